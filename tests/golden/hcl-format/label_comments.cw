r /* between */ "a" /* labels */ b {
}
