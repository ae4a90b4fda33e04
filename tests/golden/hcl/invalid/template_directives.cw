a = "%{ if x }open"
b = "%{ endif }"
c = "%{ for x in y }${x}%{ endif }"
d = "%{ bogus }"
