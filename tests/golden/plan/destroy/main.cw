resource "directory" "base" {
  path = "base"
}

resource "file" "a" {
  path    = "${directory.base.path}/a.txt"
  content = "a"
}

resource "command" "after" {
  run     = "cat ${file.a.path}"
  destroy = "echo bye"
}
