variable "legacy_string" {
  type = "string"
}
variable "legacy_list" {
  type = "list"
  default = []
}
variable "legacy_map" {
  type="map"
}
variable "bare_set" {
  type = set
}
variable "modern" {
  type = list(object({ name = string }))
  default = "${var.x}"
}
resource "file" "not_a_variable" {
  type = "string"
}
