"quoted" = 1
10 = 5
lonely
= 3
