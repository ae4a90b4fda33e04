resource "a" "b" {
  script = <<EOT
  ${var.x
  EOT
  other = 1
}
