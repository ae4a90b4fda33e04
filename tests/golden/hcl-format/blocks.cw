resource    "container"     "web"{
  image="nginx"
  assert    "http"     {
      url = "http://localhost/"
  expect_status=200
  }
  assert "container_running" {   }
  lifecycle { prevent_destroy = true }
}
module cache {
source = "./modules/cache"
}



