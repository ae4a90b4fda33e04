a = "bad \q escape"
b = "short \u12"
