// Local subprocess steps through the runner-local plugin (src/cli/local_runner.ts):
// the sandboxed launch src/exec builds is started inside the plugin's Worker.
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileBundle, validateBundle, writeBundle } from "../src/forge/mod.ts";
import { testPlan, testResource } from "../src/forge/testing.ts";
import { runBundle, type RunOptions } from "../src/exec/mod.ts";
import { LocalRunner } from "../src/cli/local_runner.ts";
import { systemTest } from "./support/system.ts";

async function run(
  root: string,
  resources: Parameters<typeof testPlan>[0],
  options: Partial<RunOptions> = {},
) {
  const plan = testPlan(resources, "create");
  const buildDir = join(root, ".clockwork/build");
  const compiled = compileBundle(plan, { rootDir: root });
  assert.deepEqual(compiled.diagnostics, []);
  assert.deepEqual(validateBundle(compiled.value, plan, buildDir), []);
  writeBundle(compiled.value, buildDir);
  return await runBundle(compiled.value, {
    buildDir,
    logDir: join(root, ".clockwork/logs/run1"),
    sandbox: "bwrap",
    ...options,
  });
}

systemTest(
  "runner-local: a sandboxed step runs in the plugin; its log is masked",
  ["bwrap"],
  async () => {
    const root = await Deno.makeTempDir({ prefix: "cw-local-runner-" });
    using runner = new LocalRunner(root);
    assert.equal(runner.granted.length, 1);
    assert.match(runner.granted[0], /\/bwrap$/);
    const outside = join(Deno.env.get("HOME") ?? "/root", `cw-local-runner-${crypto.randomUUID()}`);
    const result = await run(root, [
      testResource("command", "hello", {
        run: `echo "token hunter2-secret"; echo made > ${root}/made.txt`,
        writes: [root],
      }),
      testResource("command", "escape", { run: `touch ${outside}` }),
    ], { spawnLocal: runner.spawn, redact: ["hunter2-secret"] });
    assert.ok(runner.started, "the runner-local Worker ran the steps");
    const byAddress = Object.fromEntries(result.results.map((r) => [r.step.address, r]));
    assert.equal(byAddress["command.hello"].status, "ok");
    assert.equal(Deno.readTextFileSync(join(root, "made.txt")), "made\n");
    const log = Deno.readTextFileSync(byAddress["command.hello"].logPath!);
    assert.match(log, /token \(sensitive\)/);
    assert.ok(!log.includes("hunter2"));
    // Still confined by bwrap: a write outside the grants fails.
    assert.equal(byAddress["command.escape"].status, "failed");
    assert.throws(() => Deno.statSync(outside));
    await Deno.remove(root, { recursive: true });
  },
);

systemTest("runner-local: a program outside the plugin's grant is refused by its Worker", [
  "bwrap",
], async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-local-runner-" });
  // Granted only `true`: the Worker may not start bwrap, so the step never runs.
  using runner = new LocalRunner(root, ["/usr/bin/true"]);
  const result = await run(root, [
    testResource("command", "denied", { run: `touch ${root}/ran`, writes: [root] }),
  ], { spawnLocal: runner.spawn });
  assert.equal(result.failed.length, 1);
  assert.match(result.failed[0].message!, /plugin "runner-local"/);
  assert.match(result.failed[0].message!, /bwrap/);
  assert.throws(() => Deno.statSync(join(root, "ran")));
  await Deno.remove(root, { recursive: true });
});

Deno.test("runner-local: a run of files and directories alone never starts the plugin", async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-local-runner-" });
  using runner = new LocalRunner(root);
  const result = await run(root, [
    testResource("directory", "d", { path: join(root, "d") }),
    testResource("file", "f", { path: join(root, "d/f.txt"), content: "x" }),
  ], { spawnLocal: runner.spawn });
  assert.deepEqual(result.failed, []);
  assert.equal(result.spawnCount, 0);
  assert.equal(runner.started, false);
  await Deno.remove(root, { recursive: true });
});

systemTest("runner-local: a timeout kills the whole sandboxed tree", ["bwrap"], async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-local-runner-" });
  using runner = new LocalRunner(root);
  const marker = join(root, "survivor");
  const started = performance.now();
  const result = await run(root, [
    testResource("command", "hang", {
      run: `(sleep 1.5; touch ${marker}) & sleep 30`,
      writes: [root],
    }, { timeoutMs: 500 }),
  ], { spawnLocal: runner.spawn, killGraceMs: 200 });
  assert.ok(runner.started);
  assert.equal(result.failed.length, 1);
  assert.ok(result.failed[0].timedOut);
  assert.match(result.failed[0].message!, /timed out after 500ms/);
  assert.ok(performance.now() - started < 5000);
  await new Promise((r) => setTimeout(r, 1800));
  assert.throws(() => Deno.statSync(marker), "the grandchild survived the timeout");
  await Deno.remove(root, { recursive: true });
});

systemTest("runner-local: what a step leaves running in the background ends with it", [
  "bwrap",
], async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-local-runner-" });
  using runner = new LocalRunner(root);
  const marker = join(root, "leftover");
  const result = await run(root, [
    testResource("command", "daemonize", {
      run: `(sleep 1; touch ${marker}) >/dev/null 2>&1 &`,
      writes: [root],
    }),
  ], { spawnLocal: runner.spawn });
  assert.deepEqual(result.failed, []);
  assert.ok(runner.started);
  await new Promise((r) => setTimeout(r, 1500));
  assert.throws(() => Deno.statSync(marker), "a background child outlived its step");
  await Deno.remove(root, { recursive: true });
});

systemTest("runner-local: killSignal (a second Ctrl-C) stops the step in the plugin", [
  "bwrap",
], async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-local-runner-" });
  using runner = new LocalRunner(root);
  const marker = join(root, "survivor");
  const stop = new AbortController();
  const started = performance.now();
  const running = run(root, [
    testResource("command", "long", {
      run: `(sleep 1.5; touch ${marker}) & sleep 20`,
      writes: [root],
    }),
  ], { spawnLocal: runner.spawn, killSignal: stop.signal, killGraceMs: 200 });
  setTimeout(() => stop.abort(), 400);
  const result = await running;
  assert.ok(performance.now() - started < 5000);
  assert.equal(result.failed.length, 1);
  assert.match(result.failed[0].message!, /interrupted twice/);
  await new Promise((r) => setTimeout(r, 1800));
  assert.throws(() => Deno.statSync(marker), "the sandboxed tree survived the kill");
  await Deno.remove(root, { recursive: true });
});

systemTest("runner-local: `clockwork apply` runs a local command through the plugin", [
  "bwrap",
], async () => {
  const { runCli } = await import("./support/cli.ts");
  const result = await runCli(["apply", "--auto-approve"], {
    files: {
      "main.cw": 'resource "command" "hang" {\n  run = "sleep 30"\n  timeout = "1s"\n}\n',
    },
  });
  assert.equal(result.code, 1, result.stdout + result.stderr);
  // The direct path says "(process group killed)"; the plugin path kills bwrap.
  assert.match(result.stdout + result.stderr, /timed out after 1s \(sandbox killed\)/);
  await Deno.remove(result.dir, { recursive: true });
});
