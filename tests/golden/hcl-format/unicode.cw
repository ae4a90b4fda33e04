tags = {
  "名前" = "値"
  name = "value"
  "émoji🎉" = "ok"
}
