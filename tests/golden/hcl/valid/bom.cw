bom = "accepted"
