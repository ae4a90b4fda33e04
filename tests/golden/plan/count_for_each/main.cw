variable "sites" {
  type = map(object({
    port = number
    tls  = optional(bool, false)
  }))
  default = {
    blog = { port = 8081 }
    shop = { port = 8082, tls = true }
  }
}

resource "file" "worker" {
  count   = 2
  path    = "worker-${count.index}.conf"
  content = "worker ${count.index}"
}

resource "file" "site" {
  for_each = var.sites
  path     = "${each.key}.conf"
  content  = "listen ${each.value.port} tls=${each.value.tls}"
}

resource "file" "index" {
  path    = "index.txt"
  content = join("\n", [for s in file.site : s.path])
}

resource "file" "names" {
  for_each = toset(["x", "y"])
  path     = "${each.value}.name"
  content  = file.worker[0].content
}

output "worker_paths" {
  value = file.worker[*].path
}
