variable "name" {
  type = string
}

resource "directory" "d" {
  path = "${path.root}/${var.name}"
}

resource "file" "f" {
  path    = "${directory.d.path}/index.html"
  content = var.name
}
