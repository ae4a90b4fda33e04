variable "index" {
  type = number
}

resource "file" "w" {
  path    = "${path.root}/worker-${var.index}.txt"
  content = "worker ${var.index}"
}

output "name" {
  value = "worker-${var.index}"
}
