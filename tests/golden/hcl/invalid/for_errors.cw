a = [for x in y]
b = {for k, v in m : k v}
c = [for in y : x]
