a = var.servers[0].name
b = var.list.0
c = var.servers[*].id
d = var.servers.*.name
e = var.servers[*].tags["env"]
f = x[*].y[*].z
