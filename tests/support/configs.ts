/** Small configurations several test files apply. */

/** Two files beside main.cw: a.txt ("alpha") and b.txt ("beta"). */
export const TWO_FILES = `
resource "file" "a" {
  path    = "\${path.module}/a.txt"
  content = "alpha\\n"
}
resource "file" "b" {
  path    = "\${path.module}/b.txt"
  content = "beta\\n"
}
`;
