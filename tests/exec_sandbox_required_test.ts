/**
 * A run that asks for the sandbox by name starts nothing when bubblewrap is
 * not there. The run happens in a child process whose PATH has no bwrap (the
 * executor looks it up on PATH once per process).
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

const SCRIPT = `
import { join } from "node:path";
import { compileBundle, writeBundle } from "${ROOT}src/forge/mod.ts";
import { testPlan, testResource } from "${ROOT}src/forge/testing.ts";
import { runBundle } from "${ROOT}src/exec/mod.ts";
const root = Deno.args[0];
const plan = testPlan([
  testResource("command", "touch", { run: "echo ran > " + join(root, "ran.txt") }),
], "create");
const buildDir = join(root, ".clockwork/build");
const compiled = compileBundle(plan, { rootDir: root });
writeBundle(compiled.value, buildDir);
const result = await runBundle(compiled.value, {
  buildDir,
  logDir: join(root, ".clockwork/logs/run1"),
  sandbox: Deno.args[1],
});
console.log(JSON.stringify({
  diagnostics: result.diagnostics.map((d) => [d.severity, d.code]),
  results: result.results.map((r) => r.status),
}));
`;

async function runWithoutBwrap(sandbox: string) {
  const root = await Deno.makeTempDir({ prefix: "cw-sandbox-required-" });
  const script = join(root, "run.ts");
  await Deno.writeTextFile(script, SCRIPT);
  // A PATH with sh and the usual tools, but no bwrap.
  const bin = join(root, "bin");
  await Deno.mkdir(bin);
  for (const tool of ["sh", "echo", "cat", "env", "setsid", "timeout"]) {
    for (const dir of ["/usr/bin", "/bin"]) {
      try {
        await Deno.symlink(join(dir, tool), join(bin, tool));
        break;
      } catch { /* not in this folder */ }
    }
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "--config", join(ROOT, "deno.json"), script, root, sandbox],
    env: { PATH: bin },
    clearEnv: true,
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const ran = await Deno.stat(join(root, "ran.txt")).then(() => true, () => false);
  await Deno.remove(root, { recursive: true });
  return { ...JSON.parse(text), ran };
}

Deno.test('sandbox "bwrap" without bubblewrap: CW5103 and no step starts; "auto" warns and runs', async () => {
  const required = await runWithoutBwrap("bwrap");
  assert.deepEqual(required.diagnostics, [["error", "CW5103"]]);
  assert.deepEqual(required.results, []);
  assert.equal(required.ran, false);
  const auto = await runWithoutBwrap("auto");
  assert.deepEqual(auto.diagnostics, [["warning", "CW5102"]]);
  assert.deepEqual(auto.results, ["ok"]);
  assert.equal(auto.ran, true);
});
