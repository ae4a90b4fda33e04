variable "password" {
  type      = string
  default   = "hunter2"
  sensitive = true
}

resource "container" "api" {
  image = "api:2"
  env   = { PASSWORD = var.password }

  lifecycle {
    create_before_destroy = true
  }
}

resource "file" "secret" {
  path    = "secret.txt"
  content = var.password
}

resource "file" "managed_elsewhere" {
  path    = "elsewhere.txt"
  content = "ours"
  mode    = "0640"

  lifecycle {
    ignore_changes = [content]
  }
}

resource "file" "uses_api" {
  path    = "api.txt"
  content = container.api.image
}
