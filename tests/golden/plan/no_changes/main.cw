resource "file" "a" {
  path    = "a.txt"
  content = "hello"
}

resource "file" "b" {
  path    = "b.txt"
  content = file.a.content
}

output "a_path" {
  value = file.a.path
}
