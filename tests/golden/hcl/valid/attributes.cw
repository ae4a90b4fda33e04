# Literal values of every kind.
name    = "web"
count   = 3
ratio   = 1.5e3
enabled = true
nothing = null
negative = -42
