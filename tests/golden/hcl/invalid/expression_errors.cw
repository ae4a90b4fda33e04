a = .5
b = x.
c = true ? 1
d = (1 2)
e = f(1,...)
