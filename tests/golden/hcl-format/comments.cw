// leading comment
  # indented hash comment
variable "port" {   # trailing on block line
  type = number   # the type
  default = 8080 // default
  # a comment line breaks the group
  description = "Port" /* inline block */
  sensitive= false
}

/*
   multi-line block comment
     keeps its inner indentation
*/
locals {
    a = 1 # one
    long_name = 2 # two

    c = 3 # three
}
