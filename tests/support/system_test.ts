import assert from "node:assert/strict";
import { join } from "node:path";

const systemModule = new URL("./system.ts", import.meta.url).href;

/** Runs a one-test file needing bwrap with a PATH where bwrap cannot be found. */
async function runWithoutBwrap(ci: boolean) {
  const dir = await Deno.makeTempDir({ prefix: "clockwork-system-test-" });
  try {
    const file = join(dir, "needs_bwrap_test.ts");
    await Deno.writeTextFile(
      file,
      `import { systemTest } from ${JSON.stringify(systemModule)};\n` +
        `systemTest("needs bwrap", ["bwrap"], () => {});\n`,
    );
    const env: Record<string, string> = { PATH: "/nonexistent", NO_COLOR: "1" };
    if (ci) env.CI = "true";
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["test", "--allow-all", "--no-check", file],
      cwd: dir,
      clearEnv: true,
      env: { ...env, HOME: Deno.env.get("HOME") ?? "/root" },
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: result.code,
      output: decoder.decode(result.stdout) + decoder.decode(result.stderr),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("systemTest skips with a printed reason when a part is missing", async () => {
  const { code, output } = await runWithoutBwrap(false);
  assert.equal(code, 0, output);
  assert.match(
    output,
    /SKIP needs bwrap: bwrap is not installed \(run scripts\/install-system-deps\.sh\)/,
  );
  assert.match(output, /0 passed \| 0 failed \| 1 ignored/);
});

Deno.test("systemTest fails under CI=true when a part is missing", async () => {
  const { code, output } = await runWithoutBwrap(true);
  assert.notEqual(code, 0, output);
  assert.match(output, /bwrap is not installed/);
  assert.match(output, /0 passed \| 1 failed/);
});
