variable "port" {
  type = number
}

variable "dir" {
  type = string
}

resource "directory" "data" {
  path = var.dir
}

resource "container" "redis" {
  image   = "redis:7"
  ports   = ["${var.port}:6379"]
  volumes = ["${directory.data.path}:/data"]
}

module "conf" {
  source = "./modules/conf"
  text   = "port ${var.port}"
}

output "url" {
  value = "redis://localhost:${var.port}"
}
