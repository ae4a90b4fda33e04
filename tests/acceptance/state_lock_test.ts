/**
 * Acceptance: state and lock contracts of CLI.md / DESIGN.md through the real CLI:
 * a held lock, a lock left by a dead process, `force-unlock`, damaged state.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { hostname } from "node:os";
import { runCli } from "../support/cli.ts";

const config = {
  "main.cw": `
resource "file" "a" {
  path    = "\${path.root}/a.txt"
  content = "a"
}
output "p" {
  value = file.a.path
}
`,
};

function writeLock(dir: string, pid: number): void {
  Deno.writeTextFileSync(
    join(dir, ".clockwork/state.lock"),
    // Taken now, after the holder started: a process that started after its lock is another one.
    JSON.stringify({ pid, host: hostname(), command: "apply", started: new Date().toISOString() }),
  );
}

Deno.test("lock: a live holder blocks apply and destroy naming its pid; force-unlock refuses it", async () => {
  const first = await runCli(["apply", "--auto-approve"], { files: config });
  assert.equal(first.code, 0, first.stderr);
  const dir = first.dir;
  const holder = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    writeLock(dir, holder.pid);
    Deno.writeTextFileSync(
      join(dir, "main.cw"),
      config["main.cw"].replace(`content = "a"`, `content = "b"`),
    );
    const apply = await runCli(["apply", "--auto-approve"], { cwd: dir });
    assert.equal(apply.code, 1);
    assert.ok(apply.stderr.includes(`pid ${holder.pid}`), apply.stderr);
    assert.equal(Deno.readTextFileSync(join(dir, "a.txt")), "a", "apply ran despite the lock");
    const events = await runCli(["apply", "--auto-approve", "--json"], { cwd: dir });
    assert.equal(events.code, 1);
    const lines = events.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(
      lines.some((e) => e.type === "diagnostic" && e.format_version === "1" && e.code),
      events.stdout,
    );
    const destroy = await runCli(["destroy", "--auto-approve"], { cwd: dir });
    assert.equal(destroy.code, 1);
    const unlock = await runCli(["force-unlock"], { cwd: dir });
    assert.equal(unlock.code, 1, "force-unlock must refuse a live holder on this host");
    Deno.statSync(join(dir, ".clockwork/state.lock"));
  } finally {
    holder.kill();
    await holder.status;
  }
  // The holder is dead now: the advice names force-unlock, which then works.
  const stale = await runCli(["apply", "--auto-approve"], { cwd: dir });
  assert.equal(stale.code, 1);
  assert.ok(stale.stderr.includes("force-unlock"), stale.stderr);
  const unlock = await runCli(["force-unlock"], { cwd: dir });
  assert.equal(unlock.code, 0, unlock.stderr);
  const after = await runCli(["apply", "--auto-approve"], { cwd: dir });
  assert.equal(after.code, 0, after.stderr);
  assert.equal(Deno.readTextFileSync(join(dir, "a.txt")), "b");
});

Deno.test("state: damaged state.json is refused by plan, apply, state, output, with no crash and nothing run", async () => {
  const first = await runCli(["apply", "--auto-approve"], { files: config });
  assert.equal(first.code, 0, first.stderr);
  const dir = first.dir;
  const statePath = join(dir, ".clockwork/state.json");
  const good = Deno.readTextFileSync(statePath);
  assert.ok(good.includes('"content": "a"'), good);
  const damaged = [
    good.slice(0, good.length / 2),
    "",
    "[]",
    good.replace('"content": "a"', '"content": "z"'),
  ];
  for (const text of damaged) {
    Deno.writeTextFileSync(statePath, text);
    Deno.removeSync(join(dir, "a.txt"));
    for (
      const args of [["plan"], ["apply", "--auto-approve"], ["state", "list"], ["output"], [
        "state",
        "pull",
      ]]
    ) {
      const r = await runCli(args, { cwd: dir });
      const context = `${args.join(" ")} with state ${
        JSON.stringify(text.slice(0, 30))
      }:\n${r.stdout}\n${r.stderr}`;
      assert.equal(r.code, 1, context);
      assert.match(r.stderr, /error\[CW5\d{3}\]/, context);
      assert.doesNotMatch(r.stderr, /Stack backtrace| {4}at /, context);
    }
    assert.throws(() => Deno.statSync(join(dir, "a.txt")), "apply ran on a damaged state");
    Deno.writeTextFileSync(join(dir, "a.txt"), "a");
  }
});

// BROKEN at review time: after the first apply there is no state.json.backup,
// yet the refusal tells the user to `cp state.json.backup state.json`.
Deno.test("state: recovery advice never points at a backup that does not exist", async () => {
  const first = await runCli(["apply", "--auto-approve"], { files: config });
  assert.equal(first.code, 0, first.stderr);
  const statePath = join(first.dir, ".clockwork/state.json");
  Deno.writeTextFileSync(statePath, Deno.readTextFileSync(statePath).slice(0, 50));
  const r = await runCli(["state", "list"], { cwd: first.dir });
  assert.equal(r.code, 1);
  if (r.stderr.includes("state.json.backup")) {
    Deno.statSync(`${statePath}.backup`);
  }
});

Deno.test("state: list, show, rm and pull follow CLI.md (JSON shapes, serial grows, rm forgets only)", async () => {
  const first = await runCli(["apply", "--auto-approve"], { files: config });
  assert.equal(first.code, 0, first.stderr);
  const dir = first.dir;
  const list = JSON.parse((await runCli(["state", "list", "--json"], { cwd: dir })).stdout);
  assert.equal(list.format_version, "1");
  assert.deepEqual(list.resources.map((r: { address: string }) => r.address), ["file.a"]);
  assert.equal(list.resources[0].type, "file");
  assert.equal(list.resources[0].attributes.content, "a");
  const show = await runCli(["state", "show", "file.a", "--json"], { cwd: dir });
  assert.equal(JSON.parse(show.stdout).format_version, "1");
  const missing = await runCli(["state", "show", "file.zzz"], { cwd: dir });
  assert.equal(missing.code, 1);
  const before = JSON.parse((await runCli(["state", "pull"], { cwd: dir })).stdout);
  const rm = await runCli(["state", "rm", "file.a"], { cwd: dir });
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(Deno.readTextFileSync(join(dir, "a.txt")), "a", "state rm must not destroy");
  const after = JSON.parse((await runCli(["state", "pull"], { cwd: dir })).stdout);
  assert.ok(after.serial > before.serial, `serial ${before.serial} -> ${after.serial}`);
  assert.equal(after.lineage, before.lineage);
  const plan = await runCli(["plan", "--detailed-exitcode"], { cwd: dir });
  assert.equal(plan.code, 2, "a forgotten resource is planned again");
  const rmAgain = await runCli(["state", "rm", "file.a"], { cwd: dir });
  assert.equal(rmAgain.code, 1);
});

Deno.test("output: --json, --raw, a single name, an unknown name", async () => {
  const first = await runCli(["apply", "--auto-approve"], { files: config });
  assert.equal(first.code, 0, first.stderr);
  const dir = first.dir;
  const raw = await runCli(["output", "p", "--raw"], { cwd: dir });
  assert.equal(raw.stdout, join(dir, "a.txt"));
  const one = await runCli(["output", "p"], { cwd: dir });
  assert.equal(one.stdout.trim(), JSON.stringify(join(dir, "a.txt")));
  const json = JSON.parse((await runCli(["output", "--json"], { cwd: dir })).stdout);
  assert.equal(json.format_version, "1");
  assert.equal(json.outputs.p.value, join(dir, "a.txt"));
  const unknown = await runCli(["output", "nope"], { cwd: dir });
  assert.equal(unknown.code, 1);
  assert.ok(unknown.stderr.includes("nope"));
});
