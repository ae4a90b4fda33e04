variable "port" {
  type    = number
  default = 8080
}

locals {
  site = "site"
}

resource "directory" "site" {
  path = local.site
  mode = "0755"
}

resource "file" "index" {
  path    = "${directory.site.path}/index.html"
  content = "<h1>hello on ${var.port}</h1>\n"
  mode    = "0644"
}

resource "file" "notes" {
  path    = "notes.txt"
  content = <<-EOT
    first line
    second line
  EOT
}

resource "command" "reload" {
  run        = "echo reload ${file.index.path}"
  creates    = "reloaded.flag"
  depends_on = [file.notes]
}

resource "container" "web" {
  image   = "nginx:1.27-alpine"
  ports   = ["${var.port}:80"]
  volumes = ["${directory.site.path}:/usr/share/nginx/html:ro"]
  env     = { ENV = "prod" }

  assert "http" {
    url = "http://localhost:${var.port}/"
  }
}

resource "task" "report" {
  description = "write a short report of the site"
}

output "url" {
  value = "http://localhost:${var.port}/"
}
