# header  
r "x" {
  a=1 # one   
  bbb = <<EOT
${ x }
EOT  
  c = "${ y }" // two
}


