/** `state list|show|rm|pull`, `output` and integrity refusal through the real CLI. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadState } from "../src/state/mod.ts";
import { cli, project } from "./apply_support_test.ts";

const CONFIG = `
variable "token" {
  type      = string
  default   = "s3cr3t"
  sensitive = true
}
resource "file" "a" {
  path    = "\${path.module}/a.txt"
  content = "alpha"
}
resource "file" "b" {
  path    = "\${path.module}/b.txt"
  content = "beta"
}
output "a_path" { value = file.a.path }
output "count" { value = 2 }
output "token" {
  value     = var.token
  sensitive = true
}
`;

Deno.test("state and output commands read what apply recorded", async () => {
  const dir = await project({ "main.cw": CONFIG });
  const applied = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.doesNotMatch(applied.stdout, /s3cr3t/);

  assert.equal((await cli(dir, ["state", "list"])).stdout, "file.a\nfile.b\n");
  const show = await cli(dir, ["state", "show", "file.a"]);
  assert.match(show.stdout, /content = "alpha"/);
  const showJson = JSON.parse((await cli(dir, ["--json", "state", "show", "file.a"])).stdout);
  assert.equal(showJson.format_version, "1");
  assert.equal(showJson.resource.attributes.content, "alpha");
  assert.equal(showJson.resource.observed.size, 5);
  const missing = await cli(dir, ["state", "show", "file.zzz"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /CW5020/);

  const outputs = await cli(dir, ["output"]);
  assert.match(outputs.stdout, /a_path = ".*a\.txt"/);
  assert.match(outputs.stdout, /token = \(sensitive\)/);
  assert.doesNotMatch(outputs.stdout, /s3cr3t/);
  const json = JSON.parse((await cli(dir, ["--json", "output"])).stdout);
  assert.deepEqual(json.outputs.count, { value: 2, sensitive: false });
  assert.equal(json.outputs.token.value, "(sensitive)");
  assert.equal((await cli(dir, ["output", "count", "--raw"])).stdout, "2");
  assert.equal((await cli(dir, ["output", "nope"])).code, 1);

  const pulled = JSON.parse((await cli(dir, ["state", "pull"])).stdout);
  assert.equal(pulled.serial, 1);
  assert.equal(typeof pulled.checksum, "string");

  const removed = await cli(dir, ["state", "rm", "file.b"]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(Deno.readTextFileSync(join(dir, "b.txt")), "beta", "state rm must not destroy");
  const state = loadState(dir).value!;
  assert.deepEqual(state.resources.map((r) => r.address), ["file.a"]);
  assert.equal(state.serial, 2);
});

Deno.test("a hand-edited state is refused by every command, with recovery advice", async () => {
  const dir = await project({ "main.cw": CONFIG });
  assert.equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  // A second apply after a change leaves a backup to recover from.
  Deno.writeTextFileSync(join(dir, "main.cw"), CONFIG.replace('"beta"', '"beta2"'));
  assert.equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  const path = join(dir, ".clockwork/state.json");
  Deno.writeTextFileSync(path, Deno.readTextFileSync(path).replace('"alpha"', '"omega"'));
  for (const args of [["state", "list"], ["output"], ["apply", "--auto-approve"], ["plan"]]) {
    const result = await cli(dir, args);
    assert.equal(result.code, 1, args.join(" "));
    assert.match(result.stderr, /CW5001/, args.join(" "));
    assert.match(result.stderr, /state\.json\.backup/, args.join(" "));
  }
  Deno.copyFileSync(path + ".backup", path);
  assert.equal((await cli(dir, ["state", "list"])).code, 0);
  const mode = Deno.statSync(path).mode! & 0o777;
  assert.equal(mode, 0o600);
});

Deno.test("state rm takes a resource (every instance) or a module instance, as --target does", async () => {
  const dir = await project({
    "main.cw": `
resource "file" "n" {
  count   = 2
  path    = "\${path.module}/n\${count.index}.txt"
  content = "n"
}
module "site" {
  for_each = toset(["blue", "green"])
  source   = "./site"
  name     = each.key
}
`,
    "site/main.cw": `
variable "name" {
  type = string
}
resource "file" "page" {
  path    = "\${path.root}/\${var.name}.html"
  content = var.name
}
`,
  });
  assert.equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  const counted = await cli(dir, ["--json", "state", "rm", "file.n"]);
  assert.equal(counted.code, 0, counted.stderr);
  assert.deepEqual(JSON.parse(counted.stdout).removed, ["file.n[0]", "file.n[1]"]);
  const blue = await cli(dir, ["state", "rm", 'module.site["blue"]']);
  assert.equal(blue.code, 0, blue.stderr);
  assert.match(blue.stdout, /Removed module\.site\["blue"\]\.file\.page from state/);
  assert.deepEqual(loadState(dir).value!.resources.map((r) => r.address), [
    'module.site["green"].file.page',
  ]);
  assert.equal(Deno.readTextFileSync(join(dir, "blue.html")), "blue", "nothing was destroyed");
  const none = await cli(dir, ["state", "rm", "file.zzz"]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /CW5020/);
});
