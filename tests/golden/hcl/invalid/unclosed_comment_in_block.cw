resource "a" "b" {
  a = 1
  /* never closed
}
