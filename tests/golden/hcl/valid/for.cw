upper_names = [for n in var.names : upper(n)]
filtered    = [for i, n in var.names : n if i > 0]
by_id       = { for s in var.servers : s.id => s.name }
grouped     = { for s in var.servers : s.role => s.name... }
