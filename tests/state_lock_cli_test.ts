/**
 * The state lock's holder as the real CLI judges it: a pid that now belongs
 * to another process (a restart reused it) is not a run; an unreadable lock
 * file is called that; `force-unlock --force LOCK_ID` removes a lock whose
 * process looks alive, and only the lock it names.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./support/cli.ts";

const CONFIG = `
resource "file" "a" {
  path    = "\${path.root}/a.txt"
  content = "a\\n"
}
`;

function explain(run: { code: number; stdout: string; stderr: string }): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

async function projectWithLock(lock: string): Promise<string> {
  const run = await runCli(["validate"], { files: { "main.cw": CONFIG } });
  assert.equal(run.code, 0, explain(run));
  Deno.mkdirSync(join(run.dir, ".clockwork"), { recursive: true });
  Deno.writeTextFileSync(join(run.dir, ".clockwork/state.lock"), lock);
  return run.dir;
}

function lockOf(fields: Record<string, unknown>): string {
  return JSON.stringify({ host: Deno.hostname(), command: "clockwork apply", ...fields }) + "\n";
}

function lockExists(dir: string): boolean {
  try {
    Deno.statSync(join(dir, ".clockwork/state.lock"));
    return true;
  } catch {
    return false;
  }
}

Deno.test("a lock whose pid now belongs to a process started after it is stale (CW5011), and force-unlock removes it", async () => {
  // Any process running now started after 2001: what a lock from before a reboot looks like.
  const stranger = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    const then = "2001-01-01T00:00:00.000Z";
    const dir = await projectWithLock(
      lockOf({ id: "old-run", pid: stranger.pid, time: then, started: then }),
    );
    const blocked = await runCli(["apply", "--auto-approve"], { cwd: dir });
    assert.equal(blocked.code, 1, explain(blocked));
    assert.match(blocked.stderr, /CW5011/);
    assert.match(blocked.stderr, /no longer running/);
    assert.match(blocked.stderr, /after the lock was taken/);
    assert.doesNotMatch(blocked.stderr, /wait for it/);

    const unlocked = await runCli(["force-unlock"], { cwd: dir });
    assert.equal(unlocked.code, 0, explain(unlocked));
    assert.match(unlocked.stdout, new RegExp(`Removed the state lock held by pid ${stranger.pid}`));
    assert.equal(lockExists(dir), false);
    const applied = await runCli(["apply", "--auto-approve"], { cwd: dir });
    assert.equal(applied.code, 0, explain(applied));
  } finally {
    stranger.kill();
    await stranger.status;
  }
});

Deno.test("pid 1 with a lock from before it started: apply and force-unlock see the lock as stale", async () => {
  const then = "2001-01-01T00:00:00.000Z";
  const dir = await projectWithLock(lockOf({ id: "x", pid: 1, time: then, started: then }));
  const blocked = await runCli(["apply", "--auto-approve"], { cwd: dir });
  assert.equal(blocked.code, 1, explain(blocked));
  assert.match(blocked.stderr, /CW5011/);
  const unlocked = await runCli(["force-unlock"], { cwd: dir });
  assert.equal(unlocked.code, 0, explain(unlocked));
  assert.equal(lockExists(dir), false);
});

Deno.test("a lock without times held by a process that is not Clockwork is stale", async () => {
  const stranger = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    const dir = await projectWithLock(lockOf({ id: "old-run", pid: stranger.pid }));
    const blocked = await runCli(["apply", "--auto-approve"], { cwd: dir });
    assert.equal(blocked.code, 1, explain(blocked));
    assert.match(blocked.stderr, /CW5011/);
    assert.match(blocked.stderr, /now runs `\S*sleep 60`, which is not Clockwork/);
  } finally {
    stranger.kill();
    await stranger.status;
  }
});

Deno.test("a live holder: CW5010/CW5013 name the lock id; --force LOCK_ID removes exactly that lock", async () => {
  // A Deno process that took the lock after it started: it may well be a run.
  const holder = new Deno.Command(Deno.execPath(), {
    args: ["eval", "await new Promise((r) => setTimeout(r, 60_000))"],
  }).spawn();
  try {
    await new Promise((r) => setTimeout(r, 200));
    const now = new Date().toISOString();
    const dir = await projectWithLock(
      lockOf({ id: "lock-1234", pid: holder.pid, time: now, started: now }),
    );
    const blocked = await runCli(["apply", "--auto-approve"], { cwd: dir });
    assert.equal(blocked.code, 1, explain(blocked));
    assert.match(blocked.stderr, /CW5010/);
    assert.match(blocked.stderr, /force-unlock --force lock-1234/);

    const refused = await runCli(["force-unlock"], { cwd: dir });
    assert.equal(refused.code, 1, explain(refused));
    assert.match(refused.stderr, /CW5013/);
    assert.match(refused.stderr, /force-unlock --force lock-1234/);
    assert.equal(lockExists(dir), true);

    const wrong = await runCli(["force-unlock", "--force", "lock-9999"], { cwd: dir });
    assert.equal(wrong.code, 1, explain(wrong));
    assert.match(wrong.stderr, /CW5015/);
    assert.match(wrong.stderr, /lock-1234/);
    assert.equal(lockExists(dir), true);

    const forced = await runCli(["--json", "force-unlock", "--force", "lock-1234"], { cwd: dir });
    assert.equal(forced.code, 0, explain(forced));
    const document = JSON.parse(forced.stdout);
    assert.equal(document.removed, true);
    assert.equal(document.holder.pid, holder.pid);
    assert.equal(document.holder.id, "lock-1234");
    assert.equal(lockExists(dir), false);
  } finally {
    holder.kill();
    await holder.status;
  }
});

for (const [what, content] of [["an empty", ""], ["a garbled", "not json\n"]]) {
  Deno.test(`${what} lock file is reported as unreadable (CW5014) with force-unlock advice`, async () => {
    const dir = await projectWithLock(content);
    const blocked = await runCli(["apply", "--auto-approve"], { cwd: dir });
    assert.equal(blocked.code, 1, explain(blocked));
    assert.match(blocked.stderr, /CW5014/);
    assert.match(blocked.stderr, /state\.lock is unreadable/);
    assert.match(blocked.stderr, /clockwork force-unlock/);
    assert.doesNotMatch(blocked.stderr, /pid 0|wait for it/);

    const json = await runCli(["apply", "--auto-approve", "--json"], { cwd: dir });
    const diagnostics = json.stdout.trim().split("\n").map((l) => JSON.parse(l))
      .filter((e) => e.type === "diagnostic");
    assert.deepEqual(diagnostics.map((d) => d.code), ["CW5014"]);

    const unlocked = await runCli(["force-unlock"], { cwd: dir });
    assert.equal(unlocked.code, 0, explain(unlocked));
    assert.match(unlocked.stdout, /Removed the unreadable state lock/);
    assert.equal(lockExists(dir), false);
  });
}
