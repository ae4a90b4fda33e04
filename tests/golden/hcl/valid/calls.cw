a = upper("x")
b = join(", ", var.list)
c = max(var.numbers...)
d = provider::local::echo("hi")
e = f(
  1,
  2,
)
