/**
 * Crash safety through the real CLI: SIGKILL mid-apply leaves a state that
 * records exactly the finished steps and the next apply converges; two applies
 * never run at once; Ctrl-C stops gracefully.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadState } from "../src/state/mod.ts";
import {
  applyKilledDuring,
  cli,
  lines,
  project,
  readUntil,
  spawnCli,
} from "./apply_support_test.ts";

const SLOW_CHAIN = `
resource "command" "a" {
  run = "echo a >> runs.txt"
  cwd = path.module
}
resource "command" "b" {
  run        = "sleep 0.3; echo b >> runs.txt"
  cwd        = path.module
  depends_on = [command.a]
}
resource "command" "c" {
  run        = "sleep 2; echo c >> runs.txt"
  cwd        = path.module
  depends_on = [command.b]
}
`;

Deno.test("SIGKILL during apply: state records exactly the finished steps; the next apply converges", async () => {
  const dir = await project({ "main.cw": SLOW_CHAIN });
  // Let c's process get going (a kill between fork and bwrap's parent-death
  // hook could orphan it), then kill the CLI in the middle of it.
  const killed = await applyKilledDuring(dir, "command.c", 400);

  const state = loadState(dir);
  assert.deepEqual(state.value!.resources.map((r) => r.address), ["command.a", "command.b"]);
  assert.equal(Deno.readTextFileSync(join(dir, "runs.txt")), "a\nb\n");

  // The dead run's lock is reported with the force-unlock advice…
  const blocked = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(blocked.code, 1);
  assert.match(blocked.stderr, /no longer running/);
  assert.match(blocked.stderr, /force-unlock/);
  const unlocked = await cli(dir, ["force-unlock"]);
  assert.equal(unlocked.code, 0, unlocked.stderr);
  assert.match(unlocked.stdout, new RegExp(`pid ${killed}`));

  // …and the next apply runs only what did not finish.
  const resumed = await cli(dir, ["--json", "apply", "--auto-approve"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const started = lines(resumed.stdout).filter((e) => e.type === "step_start").map((e) =>
    e.address
  );
  assert.deepEqual(started, ["command.c"]);
  assert.equal(Deno.readTextFileSync(join(dir, "runs.txt")), "a\nb\nc\n");
  const again = await cli(dir, ["--json", "apply", "--auto-approve"]);
  assert.deepEqual(lines(again.stdout).map((e) => e.type), ["plan", "summary"]);
});

Deno.test("two concurrent applies never both run: the second fails at once naming the holder", async () => {
  const dir = await project({
    "main.cw":
      `resource "command" "slow" {\n  run = "sleep 1.5; echo once >> runs.txt"\n  cwd = path.module\n}\n`,
  });
  const first = spawnCli(dir, ["--json", "apply", "--auto-approve"]);
  const { rest } = await readUntil(first, (e) => e.type === "step_start");
  const started = performance.now();
  const second = await cli(dir, ["apply", "--auto-approve"]);
  const waited = performance.now() - started;
  assert.equal(second.code, 1);
  assert.match(second.stderr, new RegExp(`locked by pid ${first.pid} on `));
  assert.match(second.stderr, /clockwork apply/);
  assert.ok(waited < 1400, `the second apply waited ${waited} ms instead of failing at once`);
  assert.equal((await first.status).code, 0);
  await rest;
  await first.stderr.cancel();
  assert.equal(Deno.readTextFileSync(join(dir, "runs.txt")), "once\n");
});

for (
  const [signal, said] of [["SIGINT", /Interrupt received/], [
    "SIGTERM",
    /SIGTERM received/,
  ]] as const
) {
  // SIGTERM is what systemd, CI cancellation and `timeout` send: Terraform treats it as Ctrl-C.
  Deno.test(`${signal} stops gracefully: the running step finishes and is recorded, nothing new starts, the lock is released`, async () => {
    const dir = await project({
      "main.cw": `
resource "command" "first" {
  run = "sleep 0.8; echo first >> runs.txt"
  cwd = path.module
}
resource "command" "second" {
  run        = "echo second >> runs.txt"
  cwd        = path.module
  depends_on = [command.first]
}
`,
    });
    const child = spawnCli(dir, ["--json", "apply", "--auto-approve"]);
    const { events, rest } = await readUntil(child, (e) => e.type === "step_start");
    assert.equal(events.at(-1)!.address, "command.first");
    child.kill(signal);
    const status = await child.status;
    const after = lines(await rest);
    const stderr = await new Response(child.stderr).text();
    assert.equal(status.code, 1, stderr);
    assert.match(stderr, said);
    const codes = after.filter((e) => e.type === "diagnostic").map((e) => e.code);
    assert.deepEqual(codes, ["CW5104"]);
    assert.equal(Deno.readTextFileSync(join(dir, "runs.txt")), "first\n");
    assert.ok(!after.some((e) => e.type === "step_start"), `a step started after ${signal}`);
    const summary = after.find((e) => e.type === "summary")!;
    assert.equal(summary.skipped, 1);
    assert.deepEqual(loadState(dir).value!.resources.map((r) => r.address), ["command.first"]);
    for (const left of ["state.lock", "state.journal"]) {
      assert.throws(() => Deno.statSync(join(dir, ".clockwork", left)), `${left} was left behind`);
    }
  });
}
