a = 1
b = [1, 2
c = 3
d = @
block "x" {
  e = f(1,
  g = 2
  h = 1 2
}
k = 5 +
l = 6
