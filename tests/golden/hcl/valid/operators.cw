a = 1 + 2 * 3 - 4 / 5 % 6
b = x || y && z == w != v
c = p < q && r >= s
d = !enabled
e = -x.y
f = (1 + 2) * 3
g = a ? b : c ? d : e
