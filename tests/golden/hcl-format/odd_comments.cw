locals {
  list = [
    "a", # first
    "bb",   // second
    # standalone inside a list
    "c"
  ]
  obj = {
    /* leading block */ key = 1
    other   = 2 /* trailing block */
  }
  call = join(",", [  # why
      "x",
    ])
} # after the block

# between blocks


resource "task" "t" {
  script = <<-EOT
    echo hi   # not a comment for HCL
  EOT
  lang = "sh"
}
