resource "file" "index" {
  path = "/var/www/index.html"
