resource "file" "x" {
  path =
}
