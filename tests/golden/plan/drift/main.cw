resource "file" "edited" {
  path    = "edited.txt"
  content = "as configured"
}

resource "file" "deleted" {
  path    = "deleted.txt"
  content = "as configured"
}

resource "file" "chmodded" {
  path    = "chmodded.txt"
  content = "as configured"
  mode    = "0644"
}

resource "file" "ignored" {
  path    = "ignored.txt"
  content = "as configured"

  lifecycle {
    ignore_changes = [content]
  }
}

resource "directory" "missing" {
  path = "missing-dir"
}

resource "file" "fine" {
  path    = "fine.txt"
  content = "as configured"
}
