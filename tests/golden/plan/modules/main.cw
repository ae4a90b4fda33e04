module "cache" {
  source = "./modules/cache"
  port   = 6379
  dir    = "${path.root}/cache"
}

resource "file" "app_config" {
  path    = "app.conf"
  content = "cache at ${module.cache.url}"
}

output "cache_url" {
  value = module.cache.url
}
