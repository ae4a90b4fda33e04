# header comment
resource   "file"   "index"{
path="/tmp/x"   # where
content_type =   "text/html" // type
  mode= "0644"

  tags={
  Name="x"
     LongerName   =    "y"
  }
  list = [ 1,2 , 3 ]
  expr = var.a+var.b*-1
  call = max( [1] , 2 )
  cond = var.x ? "a":"b"
  tmpl = "hello ${ var.name }!"
  heredoc = <<-EOT
      keep   this ${ x }
    EOT
  for = [for x in [1,2]: x*2 if x>1]
  obj = {for k,v in var.m: k=>v...}
  splat = var.list[*].id
  neg = -1
  not = ! true
  idx = var.list [0]
    nested {
  a = 1
    }
  empty {}
  one_line { a = 1 }
}
/* block
   comment */
locals {
  a   = 1
  bbb = 2 # x
  c = 3
}


