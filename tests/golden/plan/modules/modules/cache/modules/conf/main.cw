variable "text" {
  type = string
}

resource "file" "conf" {
  path    = "redis.conf"
  content = var.text
}
