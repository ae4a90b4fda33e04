resource "directory" "base" {
  path = "base"
}

resource "file" "a" {
  path    = "${directory.base.path}/a.txt"
  content = "a"
}

resource "file" "b" {
  path    = "${directory.base.path}/b.txt"
  content = file.a.content
}

resource "file" "unrelated" {
  path    = "unrelated.txt"
  content = "not targeted"
}
