/** apply runs the assertions of what it applied: exit 3 when one fails, with state still recorded. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./support/cli.ts";

const config = (expected: string) => `
resource "file" "greeting" {
  path    = "\${path.root}/out/greeting.txt"
  content = "hello\\n"

  assert "file_content" {
    path    = "\${path.root}/out/greeting.txt"
    pattern = "${expected}"
  }
}

check "greeting_exists" {
  assert "file_exists" { path = "\${path.root}/out/greeting.txt" }
}
`;

Deno.test("apply runs the applied resources' assertions and the checks; all pass → exit 0", async () => {
  const run = await runCli(["apply", "--auto-approve"], { files: { "main.cw": config("^hello") } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /✓.*file_content/);
  assert.match(run.stdout, /✓.*file_exists/);
});

Deno.test("a failing assertion makes apply exit 3, and the state is still recorded", async () => {
  const run = await runCli(["apply", "--auto-approve"], {
    files: { "main.cw": config("^goodbye") },
  });
  assert.equal(run.code, 3, run.stdout + run.stderr);
  assert.match(run.stdout, /✗.*file_content/);
  const list = await runCli(["state", "list"], { cwd: run.dir });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /file\.greeting/);
  assert.equal(await Deno.readTextFile(join(run.dir, "out/greeting.txt")), "hello\n");
});

Deno.test("apply --json emits one assert_result event per assertion", async () => {
  const run = await runCli(["apply", "--auto-approve", "--json"], {
    files: { "main.cw": config("^goodbye") },
  });
  assert.equal(run.code, 3, run.stderr);
  const events = run.stdout.trim().split("\n").map((line) => JSON.parse(line));
  const results = events.filter((e) => e.type === "assert_result");
  assert.equal(results.length, 2);
  for (const r of results) assert.equal(r.format_version, "1");
  const content = results.find((r) => r.kind === "file_content");
  assert.equal(content.passed, false);
  assert.equal(content.address, "file.greeting");
  assert.equal(results.find((r) => r.kind === "file_exists").passed, true);
});
