name = "a"
port = 80
name = "b"
