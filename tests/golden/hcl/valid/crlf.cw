a = 1
b = "crlf"
c {
  d = 2
}
