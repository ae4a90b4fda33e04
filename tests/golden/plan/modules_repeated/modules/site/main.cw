variable "name" {
  type = string
}

variable "port" {
  type = number
}

resource "file" "page" {
  path    = "${path.root}/${var.name}.html"
  content = "${var.name} on ${var.port}"
}

module "part" {
  count  = 2
  source = "./modules/part"
  path   = "${path.root}/${var.name}-part${count.index}.txt"
  text   = file.page.content
}

output "url" {
  value = "http://localhost:${var.port}/"
}
