# A static page served by busybox httpd in a container, with assertions that
# prove it works: the container runs, the port answers, the page comes back,
# and the server's log says it started.
#
#   clockwork apply --auto-approve examples/web-service
#   clockwork assert examples/web-service
#   curl http://127.0.0.1:8080/

variable "port" {
  type        = number
  default     = 8080
  description = "Host port the site is published on (127.0.0.1 only)"
}

variable "image" {
  type        = string
  default     = "localhost/clockwork-test/busybox:latest"
  description = "An image with /bin/sh and busybox httpd (scripts/install-system-deps.sh builds this one)"
}

variable "container_name" {
  type    = string
  default = "cw-web-service"
}

locals {
  site_dir = "${path.root}/site"
}

resource "file" "page" {
  path    = "${local.site_dir}/index.html"
  content = "<!doctype html>\n<h1>Hello from Clockwork</h1>\n"
  mode    = "0644"

  assert "file_content" { pattern = "Hello from Clockwork" }
}

resource "container" "web" {
  image = var.image
  name  = var.container_name
  # httpd logs nothing until the first request, so a line at start-up gives
  # log_contains something to find; exec keeps httpd as the main process.
  command    = ["sh", "-c", "echo 'web-service: httpd serving /www on 8080'; exec httpd -f -v -p 8080 -h /www"]
  ports      = ["127.0.0.1:${var.port}:8080"]
  volumes    = ["${local.site_dir}:/www:ro"]
  depends_on = [file.page]

  assert "container_running" {}

  assert "port" {
    port = var.port
  }

  assert "http" {
    url           = "http://127.0.0.1:${var.port}/"
    expect_status = 200
    body_contains = "Hello from Clockwork"
  }

  assert "log_contains" {
    pattern = "httpd serving /www"
  }
}

check "missing_page" {
  assert "http" {
    url           = "http://127.0.0.1:${var.port}/no-such-page"
    expect_status = 404
  }
}

output "url" {
  value = "http://127.0.0.1:${var.port}/"
}
