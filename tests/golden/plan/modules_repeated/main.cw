variable "sites" {
  type    = map(number)
  default = { blue = 8081, green = 8082 }
}

module "site" {
  for_each = var.sites
  source   = "./modules/site"
  name     = each.key
  port     = each.value
}

module "worker" {
  count  = 2
  source = "./modules/worker"
  index  = count.index
}

module "spare" {
  count  = 0
  source = "./modules/worker"
  index  = count.index
}

resource "file" "summary" {
  path       = "summary.txt"
  content    = join("\n", concat([for k, s in module.site : "${k} ${s.url}"], module.worker[*].name))
  depends_on = [module.worker]
}

output "blue_url" {
  value = module.site["blue"].url
}

output "workers" {
  value = [for w in module.worker : w.name]
}

output "spare" {
  value = module.spare
}
