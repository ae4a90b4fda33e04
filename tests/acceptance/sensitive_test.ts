/**
 * Acceptance: "Sensitive values print as `(sensitive)` everywhere: human output,
 * JSON, logs" (CLI.md). Each test drives the real CLI and greps every channel a
 * user or script can see for the secret.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";

const SECRET = "Zq9xSECRETxVAL";

function readTree(dir: string): string[] {
  const texts: string[] = [];
  const walk = (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(d)];
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory) walk(p);
      else if (e.isFile) texts.push(`${p}:\n${Deno.readTextFileSync(p)}`);
    }
  };
  walk(dir);
  return texts;
}

const secretConfig = `
variable "pw" {
  sensitive = true
  default   = "${SECRET}"
}
resource "directory" "d" {
  path = "\${path.root}/out"
}
resource "file" "f" {
  path    = "\${directory.d.path}/f.txt"
  content = "pw=\${var.pw}"
  mode    = "0600"
}
resource "command" "c" {
  run        = "echo \\"token $PW\\"; echo \\"$PW\\" >&2"
  env        = { PW = var.pw }
  depends_on = [file.f]
}
output "pw" {
  value     = var.pw
  sensitive = true
}
output "path" {
  value = file.f.path
}
`;

Deno.test("sensitive: plan text, plan JSON, apply events, state, output and step logs never show the value", async () => {
  const plan = await runCli(["plan"], { files: { "main.cw": secretConfig } });
  assert.equal(plan.code, 0, plan.stderr);
  assert.ok(plan.stdout.includes("(sensitive)"), plan.stdout);
  const dir = plan.dir;
  const planJson = await runCli(["plan", "--json"], { cwd: dir });
  assert.equal(planJson.code, 0, planJson.stderr);
  const apply = await runCli(["apply", "--auto-approve", "--json"], { cwd: dir });
  assert.equal(apply.code, 0, apply.stderr);
  // The step really received the value (so redaction, not absence, is being tested).
  assert.equal(Deno.readTextFileSync(join(dir, "out/f.txt")), `pw=${SECRET}`);
  const outputs = [
    plan,
    planJson,
    apply,
    await runCli(["state", "show", "file.f"], { cwd: dir }),
    await runCli(["state", "show", "command.c", "--json"], { cwd: dir }),
    await runCli(["state", "list", "--json"], { cwd: dir }),
    await runCli(["output"], { cwd: dir }),
    await runCli(["output", "--json"], { cwd: dir }),
    await runCli(["output", "pw"], { cwd: dir }),
  ];
  for (const r of outputs) {
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(SECRET), `secret on stdout:\n${r.stdout}`);
    assert.ok(!r.stderr.includes(SECRET), `secret on stderr:\n${r.stderr}`);
  }
  const logs = readTree(join(dir, ".clockwork/logs"));
  assert.ok(logs.some((l) => l.includes("token (sensitive)")), logs.join("\n"));
  for (const log of logs) assert.ok(!log.includes(SECRET), `secret in a log:\n${log}`);
});

// BROKEN at review time: an in-process step's failure message quotes the value
// (`unknown user "<secret>"`) in the human summary and in the JSON events.
Deno.test("sensitive: a failing step's message never quotes a sensitive value", async () => {
  const files = {
    "main.cw": `
variable "who" {
  sensitive = true
  default   = "${SECRET}"
}
resource "directory" "d" {
  path = "\${path.root}/d"
}
resource "file" "f" {
  path    = "\${directory.d.path}/f"
  content = "x"
  owner   = var.who
}
`,
  };
  const human = await runCli(["apply", "--auto-approve"], { files });
  assert.equal(human.code, 1, "an unknown owner must fail the apply");
  assert.ok(!(human.stdout + human.stderr).includes(SECRET), human.stdout + human.stderr);
  const json = await runCli(["apply", "--auto-approve", "--json"], { cwd: human.dir });
  assert.equal(json.code, 1);
  assert.ok(!(json.stdout + json.stderr).includes(SECRET), json.stdout);
});

// BROKEN at review time: `plan --out` writes sensitive values in clear (in
// attribute_changes) into a world-readable (0644) file, while state is 0600.
Deno.test("sensitive: a plan file holding sensitive values is private (0600)", async () => {
  const r = await runCli(["plan", "--out", "saved.plan"], { files: { "main.cw": secretConfig } });
  assert.equal(r.code, 0, r.stderr);
  const path = join(r.dir, "saved.plan");
  const text = Deno.readTextFileSync(path);
  const mode = Deno.statSync(path).mode! & 0o777;
  if (text.includes(SECRET)) {
    assert.equal(mode & 0o077, 0, `plan file holds the secret with mode ${mode.toString(8)}`);
  }
});
