# Clockwork quickstart: a directory, two files, a command made idempotent
# with `creates`, a Python task, and outputs. Everything it touches lives
# under this configuration's own directory (path.module).

variable "greeting" {
  type    = string
  default = "Hello from Clockwork"
}

locals {
  site = "${path.module}/site"
}

resource "directory" "site" {
  path = local.site
  mode = "0755"
}

resource "file" "index" {
  path    = "${directory.site.path}/index.html"
  content = "<h1>${var.greeting}</h1>\n"
  mode    = "0644"

  assert "file_content" {
    path    = "${path.module}/site/index.html"
    pattern = "Hello"
  }
}

resource "file" "config" {
  path    = "${directory.site.path}/site.json"
  content = jsonencode({ title = var.greeting, pages = ["index.html"] })
}

# Runs once: `creates` makes it skip when the archive already exists.
resource "command" "archive" {
  run        = "tar -czf site.tar.gz index.html site.json"
  cwd        = directory.site.path
  creates    = "${directory.site.path}/site.tar.gz"
  destroy    = "rm -f site.tar.gz"
  depends_on = [file.index, file.config]
}

# The script is ours; it reaches the sandbox as an artifact and is
# security-scanned before it runs. It may write only what it `creates`, and
# its `destroy` may remove it (destroy never deletes what Clockwork did not
# create, so the site directory goes only once it is empty).
resource "task" "checksums" {
  lang       = "python3"
  creates    = "${directory.site.path}/checksums.txt"
  destroy    = "import pathlib; pathlib.Path('${directory.site.path}/checksums.txt').unlink(missing_ok=True)"
  depends_on = [file.index, file.config]
  script     = <<-PY
    import hashlib, pathlib
    site = pathlib.Path("${directory.site.path}")
    lines = [p.name + "  " + hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(site.glob("*.*")) if p.suffix in (".html", ".json")]
    (site / "checksums.txt").write_text("\n".join(lines) + "\n")
  PY
}

check "site_ready" {
  assert "file_exists" {
    path = "${path.module}/site/checksums.txt"
  }
}

output "site_dir" {
  value = directory.site.path
}

output "index_path" {
  value = file.index.path
}
