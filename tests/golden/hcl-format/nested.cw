locals {
servers = [
{
name = "a"
ip = "10.0.0.1"
},
{ name = "b", ip = "10.0.0.2" },
]
settings = {
  nested = {
    deep = {
     value = true
    }
  }
  list = [
1,
2,
]
}
  result = merge(
    local.settings,
      { extra = 1 },
  )
  matrix = [[1, 2],
    [3, 4]]
}
