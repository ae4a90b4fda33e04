plain = <<EOT
Hello ${var.name}
  kept indentation
EOT

indented = <<-EOT
    [section]
      key = ${var.value}
    EOT

directives = <<-EOT
  %{ for s in var.servers ~}
  server ${s}
  %{ endfor ~}
  EOT
