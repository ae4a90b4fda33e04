/**
 * Acceptance: "User values reach scripts as environment variables or data files,
 * never pasted into script source" (issue 5), end to end through the real CLI
 * with the sandbox as users get it. Every hostile value targets a marker inside
 * a directory the steps may write, so an injection that ran would leave it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";

function walk(dir: string): string[] {
  const found: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    found.push(p);
    if (e.isDirectory && !e.isSymlink) found.push(...walk(p));
  }
  return found;
}

Deno.test("injection: quotes, $(…), backticks, ${} and newlines in every field run nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-acc-inject-" });
  const work = join(dir, "work");
  const marker = join(work, "PWNED");
  // An HCL string whose *value* is hostile shell text aimed at the marker.
  const hostile =
    `x'\\"; touch ${marker}; $(touch ${marker}) \`touch ${marker}\` $\${IFS}touch ${marker}\\n touch ${marker} #`;
  // Short enough for a file name; relative `touch PWNED` would land in a step's cwd.
  const shortName = `q'\\"$(touch PWNED)\`touch PWNED\`;touch PWNED\\n#`;
  const files = {
    "main.cw": `
variable "h" {
  default = "${hostile}"
}
variable "n" {
  default = "${shortName}"
}
resource "directory" "work" {
  path = "${work}"
}
resource "file" "content" {
  path    = "\${directory.work.path}/content.txt"
  content = var.h
}
resource "file" "name" {
  path    = "\${directory.work.path}/n-\${var.n}"
  content = "x"
}
resource "directory" "dirname" {
  path = "\${directory.work.path}/d-\${var.n}"
}
resource "command" "cmd" {
  run     = "printf '%s' \\"$H\\" > \${directory.work.path}/env.out"
  creates = "\${directory.work.path}/c-\${var.n}"
  unless  = "test -n \\"$H\\" && false"
  cwd     = directory.work.path
  env     = { H = var.h }
}
resource "task" "py" {
  lang    = "python3"
  script  = "open('${work}/py.out', 'w').write('ok')\\n"
  creates = "\${directory.work.path}/t-\${var.n}"
}
output "h" {
  value = var.h
}
`,
  };
  const r = await runCli(["apply", "--auto-approve"], { cwd: dir, files });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const expected = Deno.readTextFileSync(join(work, "content.txt"));
  assert.ok(expected.includes(`touch ${marker}`) && expected.includes("\n"), expected);
  assert.equal(Deno.readTextFileSync(join(work, "env.out")), expected);
  assert.equal(Deno.readTextFileSync(join(work, "py.out")), "ok");
  const all = walk(dir);
  assert.ok(!all.includes(marker), `an injected command ran: ${marker} exists`);
  assert.ok(!all.some((p) => p.endsWith("/PWNED")), all.join("\n"));
  // The generated scripts never contain the value.
  const scripts = join(dir, ".clockwork/build/scripts");
  for (const name of Deno.readDirSync(scripts)) {
    const text = Deno.readTextFileSync(join(scripts, name.name));
    if (!name.name.endsWith(".data")) {
      assert.ok(!text.includes(`touch ${marker}`), `${name.name} contains the value`);
    }
  }
  // Converged: the hostile paths were recorded and observed as they are.
  const again = await runCli(["plan", "--detailed-exitcode"], { cwd: dir });
  assert.equal(again.code, 0, again.stdout);
  const destroy = await runCli(["destroy", "--auto-approve"], { cwd: dir });
  assert.equal(destroy.code, 0, destroy.stderr);
  assert.ok(!walk(dir).some((p) => p.endsWith("/PWNED")));
});
