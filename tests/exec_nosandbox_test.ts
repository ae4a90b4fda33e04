/** Without bubblewrap on PATH: one warning per run, and steps still run with the other restrictions. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, project } from "./apply_support_test.ts";

Deno.test("without bwrap: a single CW5102 warning and the steps still run", async () => {
  const dir = await project({
    "main.cw": `
resource "command" "one" {
  run = "echo one > one.txt"
  cwd = path.module
}
resource "command" "two" {
  run = "echo two > two.txt"
  cwd = path.module
}
`,
  });
  // A PATH holding only what the steps need: sh and setsid, no bwrap.
  const bin = join(dir, "bin");
  Deno.mkdirSync(bin);
  for (const program of ["sh", "setsid"]) {
    for (const folder of ["/usr/bin", "/bin"]) {
      try {
        Deno.symlinkSync(join(folder, program), join(bin, program));
        break;
      } catch { /* try the next folder */ }
    }
  }
  const result = await cli(dir, ["apply", "--auto-approve"], { PATH: bin });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr.match(/CW5102/g)?.length, 1, result.stderr);
  assert.match(result.stderr, /bubblewrap/);
  assert.equal(Deno.readTextFileSync(join(dir, "one.txt")), "one\n");
  assert.equal(Deno.readTextFileSync(join(dir, "two.txt")), "two\n");
});
