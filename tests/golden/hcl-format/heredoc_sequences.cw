a = <<EOT
x ${
  foo(
1)
} y
%{ if a }
  b
%{ endif }
EOT
bb = 1
c = f(<<EOT
x
EOT
, 2)
d = [<<-EOT
  ${ x }
  EOT
]
e = <<EOT
${ {a=1} }
${"${ x }"}
%{ for k, v in m ~}
${k}=${ v } $${ kept } %%{ kept }
%{~ endfor }
EOT
f = <<EOT
  ${ x }   
  EOT   
g = 1
