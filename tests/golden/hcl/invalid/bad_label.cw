resource "${x}" {
}
resource 1 {
}
