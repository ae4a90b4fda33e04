a = "no closing quote
b = 2
