variable "path" {
  type = string
}

variable "text" {
  type = string
}

resource "file" "part" {
  path    = var.path
  content = var.text
}
