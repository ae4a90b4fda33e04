output "greeting" {
  value = "Hello, ${ var.name }! You have ${ length(var.items) } items."
  escaped = "literal $${not_interp} and %%{not_directive}"
  directive = "%{ if var.enabled }on%{ else }off%{ endif }"
  looped = "%{ for i, v in var.items ~} ${ i }=${ v } %{~ endfor }"
  object_interp = "${ {a = 1}.a }"
  script = <<-EOT
    #!/bin/sh
      echo "${ var.name }"   
    %{ for s in var.items ~}
    echo ${s}
    %{ endfor ~}
  EOT
  plain_heredoc = <<EOT
no indent stripping   ${var.x}
EOT
}
locals {
  unwrapped = "${var.port}"
  nested_quotes = "${format("%s", "${var.a}")}"
  multi_line = "${
    var.enabled
    ? "yes"
    : "no"
  }"
  kept_literal = "x${var.a}"
  kept_two = "${var.a}${var.b}"
  kept_strip = "${~ var.a ~}"
  in_object = { key = "${var.a}" }
}
