resource "file" "precious" {
  path    = "moved.txt"
  content = "keep me"

  lifecycle {
    prevent_destroy = true
  }
}
