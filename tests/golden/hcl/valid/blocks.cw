resource "file" "motd" {
  path = "/etc/motd"

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  a = 1
}

one_line "x" { value = 1 }
empty {}
ident_label web {
}
