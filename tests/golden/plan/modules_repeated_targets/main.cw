module "site" {
  for_each = toset(["a", "b"])
  source   = "./modules/site"
  name     = each.key
}

module "worker" {
  count  = 2
  source = "./modules/site"
  name   = "w${count.index}"
}
