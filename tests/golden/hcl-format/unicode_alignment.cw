locals {
  é = 1 # a
  ñx = "日本語" # b
  abc = 3 # c
  ée = 4 # d
  x = "é́😀👍🏽" # e
  yy = 1 # f
}
