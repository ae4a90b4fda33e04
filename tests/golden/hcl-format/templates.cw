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
