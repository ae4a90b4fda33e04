resource "a" "b" {
  content = "${var.x"
  other   = 1
}

resource "a" "c" {
  call = "${f("x)}"
  next = 2
}

resource "a" "d" {
  multi = "${f(
    1 +
  )}"
  after = 3
}

resource "a" "e" {
  value = 1 +
}

resource "a" "f" {
  content = <<EOT
hello
EOF
  other = 1
}
