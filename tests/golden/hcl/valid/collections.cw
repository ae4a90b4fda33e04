list  = [1, "two", true, null]
empty = []
obj = {
  name  = "web"
  "key" = 1
  other: 2
  (var.dynamic) = 3
}
inline = { a = 1, b = [1, 2] }
