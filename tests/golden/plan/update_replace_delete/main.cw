resource "file" "content_changed" {
  path    = "a.txt"
  content = "new text"
  mode    = "0600"
}

resource "file" "path_changed" {
  path    = "renamed.txt"
  content = "same"
}

resource "file" "unchanged" {
  path    = "same.txt"
  content = "same"
}

resource "directory" "data" {
  path = "data"
  mode = "0700"
}

resource "command" "migrate" {
  run = "echo migrate v2"
}

resource "container" "db" {
  image = "postgres:17"
  env   = { POSTGRES_DB = "app" }
}

resource "file" "multi" {
  path    = "multi.txt"
  content = "one\ntwo\nTHREE\nfour\n"
}
