a = 1+2*3-4/5%6
b = -1
c = 2 - -1
d = !var.flag&&var.other||false
e = var.a==var.b ? var.c!=1 : var.d>=2
f = (1+2)*3
g = var.list[0]+var.map["key"]
h = [for x in var.list: x if x>0]
i = {for k, v in var.map: upper(k) => v...}
j = var.objs[*].name
k = var.objs.*.name
l = provider::tool::fn(1,2)
m = min(var.list...)
n = var.x <= -var.y
