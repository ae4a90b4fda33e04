/**
 * examples/web-service end to end through the real CLI and podman: apply,
 * assertions, drift (stopped, removed), repair, replace on a config change,
 * and destroy leaving no container behind.
 */
import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { makeTempDir, runCli } from "./support/cli.ts";
import { freePort } from "./support/free_port.ts";
import { systemTest } from "./support/system.ts";

const example = fileURLToPath(new URL("../examples/web-service", import.meta.url));
const decoder = new TextDecoder();

async function podman(...args: string[]): Promise<string> {
  const out = await new Deno.Command("podman", { args, stdin: "null" }).output();
  return decoder.decode(out.stdout).trim();
}

interface AssertDoc {
  format_version: string;
  results: { address: string; kind: string; passed: boolean; actual: string }[];
  summary: { passed: number; failed: number };
}

systemTest(
  "examples/web-service: apply, assert, drift, repair, replace, destroy",
  ["podman", "busybox-image"],
  async () => {
    const dir = await makeTempDir("cw-web-service-");
    await cp(example, dir, { recursive: true });
    const name = `cw-ws-${Date.now().toString(36)}`;
    let port = freePort();
    const cli = (...args: string[]) =>
      runCli([...args, "--var", `port=${port}`, "--var", `container_name=${name}`], { cwd: dir });
    const state = async () => await podman("inspect", "--format", "{{.State.Status}}", name);
    try {
      const applied = await cli("apply", "--auto-approve");
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      assert.equal(await state(), "running");
      const page = await fetch(`http://127.0.0.1:${port}/`);
      assert.match(await page.text(), /Hello from Clockwork/);

      const checked = await cli("--json", "assert");
      const doc = JSON.parse(checked.stdout) as AssertDoc;
      assert.equal(checked.code, 0, checked.stdout + checked.stderr);
      assert.deepEqual(doc.summary, { passed: 6, failed: 0 });
      assert.deepEqual(
        doc.results.map((r) => `${r.address} ${r.kind}`).sort(),
        [
          "check.missing_page http",
          "container.web container_running",
          "container.web http",
          "container.web log_contains",
          "container.web port",
          "file.page file_content",
        ],
      );
      const quiet = await cli("plan", "--detailed-exitcode");
      assert.equal(quiet.code, 0, quiet.stdout + quiet.stderr);

      // Drift 1: stopped outside Clockwork.
      await podman("stop", "--time", "1", name);
      const failing = await cli("assert");
      assert.equal(failing.code, 3, failing.stdout + failing.stderr);
      assert.match(failing.stdout, /✗\s+container\.web\s+container_running\s+running\s+exited/);
      const drifted = await cli("plan", "--detailed-exitcode");
      assert.equal(drifted.code, 2, drifted.stdout + drifted.stderr);
      assert.match(drifted.stdout, /container is not running/);
      const repaired = await cli("apply", "--auto-approve");
      assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
      assert.equal(await state(), "running");
      assert.equal((await cli("assert")).code, 0);

      // Drift 2: removed outside Clockwork.
      await podman("rm", "--force", "--time", "0", name);
      const gone = await cli("plan", "--detailed-exitcode");
      assert.equal(gone.code, 2, gone.stdout + gone.stderr);
      assert.match(gone.stdout, /container no longer exists/);
      assert.equal((await cli("apply", "--auto-approve")).code, 0);
      assert.equal(await state(), "running");

      // A configuration change replaces the container.
      const before = await podman("inspect", "--format", "{{.Id}}", name);
      const oldPort = port;
      port = freePort();
      const replacing = await cli("plan", "--detailed-exitcode");
      assert.equal(replacing.code, 2);
      assert.match(replacing.stdout, /must be replaced/);
      const replaced = await cli("apply", "--auto-approve");
      assert.equal(replaced.code, 0, replaced.stdout + replaced.stderr);
      assert.notEqual(await podman("inspect", "--format", "{{.Id}}", name), before);
      assert.match(await (await fetch(`http://127.0.0.1:${port}/`)).text(), /Hello/);
      await assert.rejects(fetch(`http://127.0.0.1:${oldPort}/`));
      assert.equal((await cli("assert")).code, 0);

      const destroyed = await cli("destroy", "--auto-approve");
      assert.equal(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
      const leftovers = await podman(
        "ps",
        "-a",
        "--filter",
        "label=io.clockwork.address",
        "--format",
        "{{.Names}}",
      );
      assert.ok(!leftovers.split("\n").includes(name), leftovers);
      const after = await cli("assert");
      assert.equal(after.code, 3);
    } finally {
      await podman("rm", "--force", "--time", "0", name);
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("examples/web-service is valid", async () => {
  const result = await runCli(["validate", example]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});
