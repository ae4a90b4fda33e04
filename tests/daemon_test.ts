/**
 * `clockwork daemon` end to end through the real CLI: drift repair of exactly
 * what drifted, the auto-fix policy, deletes only proposed, the repair budget,
 * the state lock, and the long-running mode with SIGTERM.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as v from "valibot";
import { DaemonEventSchema } from "../src/daemon/mod.ts";
import { hostName, loadState } from "../src/state/mod.ts";
import { type CliResult, makeTempDir, runCli, writeFiles } from "./support/cli.ts";
import { systemTest, TEST_IMAGE } from "./support/system.ts";
import { RUN_FLAGS } from "../scripts/run_flags.ts";
import { TWO_FILES } from "./support/configs.ts";

type Event = Record<string, unknown> & { format_version: string; type: string };

const OWN_EVENTS = new Set([
  "cycle_start",
  "drift",
  "repair",
  "skipped",
  "assert_result",
  "cycle_end",
]);

/** Parses NDJSON output; every event of the daemon's own must match its schema. */
function events(stdout: string): Event[] {
  const all: Event[] = stdout.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  for (const event of all) {
    assert.equal(event.format_version, "1");
    if (!OWN_EVENTS.has(event.type)) continue;
    const { format_version: _version, ...body } = event;
    const checked = v.safeParse(DaemonEventSchema, body);
    assert.ok(checked.success, `${JSON.stringify(event)} does not match DaemonEventSchema`);
  }
  return all;
}

function ofType(all: Event[], type: string): Event[] {
  return all.filter((e) => e.type === type);
}

function explain(r: CliResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

/** A directory with `main.cw` applied. */
async function applied(config = TWO_FILES): Promise<string> {
  const dir = await makeTempDir("clockwork-daemon-");
  await writeFiles(dir, { "main.cw": config });
  const apply = await runCli(["apply", "--auto-approve"], { cwd: dir });
  assert.equal(apply.code, 0, explain(apply));
  return dir;
}

const read = (dir: string, name: string) => Deno.readTextFileSync(join(dir, name));

Deno.test("daemon --once: repairs exactly the file modified outside Clockwork", async () => {
  const dir = await applied();
  const untouchedBefore = Deno.statSync(join(dir, "b.txt")).mtime!.getTime();
  const serialBefore = loadState(dir).value!.serial;
  await new Promise((r) => setTimeout(r, 20));
  Deno.writeTextFileSync(join(dir, "a.txt"), "changed by hand\n");

  const result = await runCli(["--json", "daemon", "--once"], { cwd: dir });
  assert.equal(result.code, 0, explain(result));
  assert.equal(read(dir, "a.txt"), "alpha\n");
  assert.equal(read(dir, "b.txt"), "beta\n");
  assert.equal(Deno.statSync(join(dir, "b.txt")).mtime!.getTime(), untouchedBefore);

  const all = events(result.stdout);
  assert.ok(all.every((e) => e.format_version === "1"));
  assert.equal(all[0].type, "cycle_start");
  assert.equal(all.at(-1)!.type, "cycle_end");
  assert.deepEqual(
    ofType(all, "drift").map((e) => [e.address, e.kind, e.summary]),
    [["file.a", "drift", "modified outside Clockwork"]],
  );
  assert.deepEqual(ofType(all, "repair").map((e) => [e.address, e.status]), [["file.a", "ok"]]);
  assert.deepEqual(ofType(all, "step_start").map((e) => e.address), ["file.a"]);
  assert.equal(all.at(-1)!.status, "repaired");
  assert.equal(all.at(-1)!.remaining, 0);

  // State recorded the repair; the next cycle finds nothing and changes nothing.
  const state = loadState(dir).value!;
  assert.equal(state.serial, serialBefore + 1);
  const again = await runCli(["--json", "daemon", "--once"], { cwd: dir });
  assert.equal(again.code, 0, explain(again));
  assert.deepEqual(events(again.stdout).map((e) => e.type), ["cycle_start", "cycle_end"]);
  assert.equal(events(again.stdout)[1].status, "clean");
  assert.equal(loadState(dir).value!.serial, state.serial);
});

Deno.test("daemon --once: a deleted file is recreated; human line on stderr", async () => {
  const dir = await applied();
  Deno.removeSync(join(dir, "b.txt"));
  const result = await runCli(["daemon", "--once"], { cwd: dir });
  assert.equal(result.code, 0, explain(result));
  assert.equal(read(dir, "b.txt"), "beta\n");
  assert.equal(read(dir, "a.txt"), "alpha\n");
  assert.match(result.stderr, /drift: file\.b deleted outside Clockwork → repaired/);
  assert.equal(result.stdout, "");
});

Deno.test("daemon --once: configuration changes are reported, not applied, by default (exit 2); --auto-fix all applies them", async () => {
  const dir = await applied();
  const stateBefore = read(dir, ".clockwork/state.json");
  await writeFiles(dir, {
    "main.cw": TWO_FILES.replace('"beta\\n"', '"beta two\\n"') + `
resource "file" "c" {
  path    = "\${path.module}/c.txt"
  content = "gamma\\n"
}
`,
  });

  const report = await runCli(["--json", "daemon", "--once"], { cwd: dir });
  assert.equal(report.code, 2, explain(report));
  assert.equal(read(dir, "b.txt"), "beta\n");
  assert.throws(() => Deno.statSync(join(dir, "c.txt")));
  assert.equal(read(dir, ".clockwork/state.json"), stateBefore);
  const all = events(report.stdout);
  assert.deepEqual(
    ofType(all, "drift").map((e) => [e.address, e.kind, e.action]),
    [["file.b", "config", "update"], ["file.c", "config", "create"]],
  );
  const skipped = ofType(all, "skipped");
  assert.deepEqual(skipped.map((e) => [e.address, e.reason]), [
    ["file.b", "policy"],
    ["file.c", "policy"],
  ]);
  assert.equal(skipped[1].proposed, "clockwork apply --target file.c");
  assert.equal(ofType(all, "repair").length, 0);
  assert.equal(all.at(-1)!.status, "remaining");
  assert.equal(all.at(-1)!.remaining, 2);

  const human = await runCli(["daemon", "--once"], { cwd: dir });
  assert.equal(human.code, 2, explain(human));
  assert.match(human.stderr, /change: file\.c is new in the configuration → not applied/);

  const all2 = await runCli(["--json", "daemon", "--once", "--auto-fix", "all"], { cwd: dir });
  assert.equal(all2.code, 0, explain(all2));
  assert.equal(read(dir, "b.txt"), "beta two\n");
  assert.equal(read(dir, "c.txt"), "gamma\n");
  assert.deepEqual(
    ofType(events(all2.stdout), "repair").map((e) => [e.address, e.status]),
    [["file.b", "ok"], ["file.c", "ok"]],
  );
  // Applying everything is a real apply: plan now shows nothing to do.
  const plan = await runCli(["plan", "--detailed-exitcode"], { cwd: dir });
  assert.equal(plan.code, 0, explain(plan));
});

Deno.test("daemon --once: --auto-fix none only reports drift", async () => {
  const dir = await applied();
  Deno.writeTextFileSync(join(dir, "a.txt"), "by hand\n");
  const result = await runCli(["--json", "daemon", "--once", "--auto-fix", "none"], { cwd: dir });
  assert.equal(result.code, 2, explain(result));
  assert.equal(read(dir, "a.txt"), "by hand\n");
  assert.deepEqual(
    ofType(events(result.stdout), "skipped").map((e) => [e.address, e.reason]),
    [["file.a", "policy"]],
  );
});

Deno.test("daemon --once: the proposed command for a keyed address works pasted into a POSIX shell", async () => {
  const dir = await applied(`
resource "file" "each" {
  for_each = toset(["b", "it's"])
  path     = "\${path.module}/\${each.key}.txt"
  content  = "keyed\\n"
}
`);
  Deno.writeTextFileSync(join(dir, "b.txt"), "by hand\n");
  Deno.writeTextFileSync(join(dir, "it's.txt"), "by hand\n");
  const result = await runCli(["--json", "daemon", "--once", "--auto-fix", "none"], { cwd: dir });
  assert.equal(result.code, 2, explain(result));
  const proposed = Object.fromEntries(
    ofType(events(result.stdout), "skipped").map((e) => [e.address, e.proposed as string]),
  );
  assert.deepEqual(proposed, {
    'file.each["b"]': `clockwork apply --target 'file.each["b"]'`,
    [`file.each["it's"]`]: `clockwork apply --target 'file.each["it'\\''s"]'`,
  });
  const human = await runCli(["daemon", "--once", "--auto-fix", "none"], { cwd: dir });
  assert.match(human.stderr, /\(to apply it: clockwork apply --target 'file\.each\["b"\]'\)/);

  // Run exactly the proposed text through bash, with `clockwork` standing for this CLI.
  const cli = [Deno.execPath(), ...CLI_ARGS].map((word) => `'${word}'`).join(" ");
  const env = Deno.env.toObject();
  for (const name of Object.keys(env)) if (name.startsWith("CLOCKWORK_")) delete env[name];
  for (const [address, command] of Object.entries(proposed)) {
    const file = address === 'file.each["b"]' ? "b.txt" : "it's.txt";
    const other = file === "b.txt" ? "it's.txt" : "b.txt";
    Deno.writeTextFileSync(join(dir, other), "by hand\n");
    const bash = await new Deno.Command("bash", {
      args: ["-c", `clockwork() { ${cli} "$@" --auto-approve; }\n${command}`],
      cwd: dir,
      clearEnv: true,
      env: { ...env, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(bash.stderr);
    assert.equal(bash.code, 0, `${command}\n${stderr}`);
    assert.equal(read(dir, file), "keyed\n", `${command} repaired ${file}`);
    assert.equal(read(dir, other), "by hand\n", `${command} targeted only ${address}`);
  }
});

Deno.test("daemon --once: a removed resource is proposed for deletion, never deleted, even with --auto-fix all", async () => {
  const dir = await applied();
  Deno.writeTextFileSync(join(dir, "a.txt"), "by hand\n");
  await writeFiles(dir, { "main.cw": TWO_FILES.split('resource "file" "b"')[0] });
  const result = await runCli(["--json", "daemon", "--once", "--auto-fix", "all"], { cwd: dir });
  assert.equal(result.code, 2, explain(result));
  assert.equal(read(dir, "b.txt"), "beta\n");
  assert.equal(read(dir, "a.txt"), "alpha\n", "the drift beside the delete was still repaired");
  const all = events(result.stdout);
  const skipped = ofType(all, "skipped");
  assert.deepEqual(skipped.map((e) => [e.address, e.reason, e.proposed]), [
    ["file.b", "delete", "clockwork apply --target file.b"],
  ]);
  assert.deepEqual(ofType(all, "repair").map((e) => e.address), ["file.a"]);
  assert.ok(loadState(dir).value!.resources.some((r) => r.address === "file.b"));
});

Deno.test("daemon --once: the repair budget stops a flapping resource", async () => {
  const dir = await applied();
  for (let round = 1; round <= 2; round++) {
    Deno.writeTextFileSync(join(dir, "a.txt"), `flap ${round}\n`);
    const result = await runCli(["--json", "daemon", "--once", "--max-repairs", "2"], {
      cwd: dir,
    });
    assert.equal(result.code, 0, explain(result));
    assert.equal(read(dir, "a.txt"), "alpha\n");
    assert.equal(ofType(events(result.stdout), "repair")[0].repairs_in_window, round);
  }
  Deno.writeTextFileSync(join(dir, "a.txt"), "flap 3\n");
  Deno.writeTextFileSync(join(dir, "b.txt"), "b drifted\n");
  const third = await runCli(["--json", "daemon", "--once", "--max-repairs", "2"], { cwd: dir });
  assert.equal(third.code, 2, explain(third));
  assert.equal(read(dir, "a.txt"), "flap 3\n", "a flapping resource was repaired again");
  assert.equal(read(dir, "b.txt"), "beta\n", "the budget of one resource stopped another");
  const all = events(third.stdout);
  const skipped = ofType(all, "skipped");
  assert.deepEqual(skipped.map((e) => [e.address, e.reason]), [["file.a", "flapping"]]);
  assert.match(String(skipped[0].message), /2 times in the last hour/);
  assert.deepEqual(ofType(all, "repair").map((e) => e.address), ["file.b"]);

  const human = await runCli(["daemon", "--once", "--max-repairs", "2"], { cwd: dir });
  assert.equal(human.code, 2);
  assert.match(human.stderr, /drift: file\.a modified outside Clockwork → not repaired: flapping/);
});

Deno.test("daemon --once: a held state lock skips the cycle without failing", async () => {
  const dir = await applied();
  Deno.writeTextFileSync(join(dir, "a.txt"), "by hand\n");
  const lock = join(dir, ".clockwork/state.lock");
  const holder = {
    pid: Deno.pid,
    host: hostName(),
    command: "clockwork apply",
    started: new Date().toISOString(),
  };
  Deno.writeTextFileSync(lock, JSON.stringify(holder));
  const result = await runCli(["--json", "daemon", "--once"], { cwd: dir });
  assert.equal(result.code, 0, explain(result));
  assert.equal(read(dir, "a.txt"), "by hand\n");
  assert.deepEqual(JSON.parse(read(dir, ".clockwork/state.lock")), holder);
  const all = events(result.stdout);
  const skipped = ofType(all, "skipped");
  assert.equal(skipped.length, 1);
  assert.equal(skipped[0].reason, "locked");
  assert.match(String(skipped[0].message), new RegExp(`pid ${Deno.pid}`));
  assert.equal(all.at(-1)!.status, "skipped");

  const human = await runCli(["daemon", "--once"], { cwd: dir });
  assert.equal(human.code, 0);
  assert.match(human.stderr, /daemon: the state is locked by pid \d+ .*skipping this cycle/);

  Deno.removeSync(lock);
  const after = await runCli(["daemon", "--once"], { cwd: dir });
  assert.equal(after.code, 0, explain(after));
  assert.equal(read(dir, "a.txt"), "alpha\n");
  assert.throws(() => Deno.statSync(lock), "the daemon left its lock behind");
});

Deno.test("daemon --once: a lock left by a dead process is an error (exit 1), not a clean cycle", async () => {
  const dir = await applied();
  // A pid that is not running on this host: what a killed apply leaves.
  const dead = { pid: 2 ** 22 + 17, host: hostName(), command: "clockwork apply", started: "then" };
  Deno.writeTextFileSync(join(dir, ".clockwork/state.lock"), JSON.stringify(dead));
  const result = await runCli(["--json", "daemon", "--once"], { cwd: dir });
  assert.equal(result.code, 1, explain(result));
  const all = events(result.stdout);
  assert.match(String(ofType(all, "skipped")[0]!.message), /no longer running.*force-unlock/);
  assert.equal(all.at(-1)!.status, "error");
});

Deno.test("daemon --once: repaired resources' assertions run after the fix", async () => {
  const dir = await applied(`
resource "file" "page" {
  path    = "\${path.module}/page.txt"
  content = "hello\\n"
  assert "file_content" {
    path    = "\${path.module}/page.txt"
    pattern = "^hello"
  }
}
`);
  Deno.removeSync(join(dir, "page.txt"));
  const result = await runCli(["--json", "daemon", "--once"], { cwd: dir });
  assert.equal(result.code, 0, explain(result));
  const all = events(result.stdout);
  assert.deepEqual(
    ofType(all, "assert_result").map((e) => [e.address, e.kind, e.passed]),
    [["file.page", "file_content", true]],
  );
  assert.deepEqual(ofType(all, "repair")[0].assertions, { passed: 1, failed: 0 });
});

Deno.test("daemon: bad flags and a broken configuration are errors (exit 1)", async () => {
  const dir = await applied();
  const interval = await runCli(["daemon", "--once", "--interval", "soon"], { cwd: dir });
  assert.equal(interval.code, 1);
  assert.match(interval.stderr, /CW9300/);
  const policy = await runCli(["daemon", "--once", "--auto-fix", "some"], { cwd: dir });
  assert.equal(policy.code, 1);
  assert.match(policy.stderr, /CW9301/);
  const budget = await runCli(["daemon", "--once", "--max-repairs", "-1"], { cwd: dir });
  assert.equal(budget.code, 1);

  await writeFiles(dir, { "main.cw": 'resource "file" "a" {\n' });
  const broken = await runCli(["--json", "daemon", "--once"], { cwd: dir });
  assert.equal(broken.code, 1, explain(broken));
  const all = events(broken.stdout);
  assert.ok(ofType(all, "diagnostic").length > 0);
  assert.equal(ofType(all, "skipped")[0].reason, "config_error");
});

/** Reads NDJSON events from a running daemon, with a bound on every wait. */
class EventReader {
  readonly seen: Event[] = [];
  #buffer = "";
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** The next event (from now on) matching `test`, or a failure after `timeoutMs`. */
  async next(test: (e: Event) => boolean, timeoutMs: number): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const newline = this.#buffer.indexOf("\n");
      if (newline >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        if (!line.trim()) continue;
        const event = JSON.parse(line) as Event;
        this.seen.push(event);
        if (test(event)) return event;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; events so far: ${JSON.stringify(this.seen)}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const chunk = await Promise.race([
        this.#reader.read(),
        new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left)),
      ]);
      clearTimeout(timer);
      if (chunk === "timeout") continue;
      if (chunk.done) throw new Error(`stream ended; events: ${JSON.stringify(this.seen)}`);
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
    }
  }

  async rest(): Promise<void> {
    for (;;) {
      const chunk = await this.#reader.read();
      if (chunk.done) break;
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
    }
    for (const line of this.#buffer.split("\n")) {
      if (line.trim()) this.seen.push(JSON.parse(line));
    }
    this.#buffer = "";
  }
}

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
/** `deno run` of this CLI as the program runs (its flags, this repository's import map). */
const CLI_ARGS = [
  "run",
  "--quiet",
  ...RUN_FLAGS,
  "--config",
  join(repoRoot, "deno.json"),
  join(repoRoot, "main.ts"),
];

function spawnDaemon(dir: string, args: string[]): Deno.ChildProcess {
  const env = Deno.env.toObject();
  for (const name of Object.keys(env)) if (name.startsWith("CLOCKWORK_")) delete env[name];
  return new Deno.Command(Deno.execPath(), {
    args: [...CLI_ARGS, ...args],
    cwd: dir,
    clearEnv: true,
    env: { ...env, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Runs `clockwork --json daemon ARGS` in `dir` while `body` reads its events,
 * then sends SIGTERM and checks it exits 0 within 20 s. Every wait is bounded.
 */
async function withDaemon(
  dir: string,
  args: string[],
  body: (reader: EventReader) => Promise<void>,
): Promise<EventReader> {
  const child = spawnDaemon(dir, ["--json", "daemon", ...args]);
  const stderr = new Response(child.stderr).text();
  const reader = new EventReader(child.stdout);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  try {
    await body(reader);
    child.kill("SIGTERM");
    const done = await Promise.race([
      status,
      new Promise<null>((r) => setTimeout(() => r(null), 20_000)),
    ]);
    assert.ok(done !== null, "the daemon did not stop within 20 s of SIGTERM");
    await reader.rest();
    assert.equal(done.code, 0, await stderr);
    assert.equal(reader.seen.at(-1)?.type, "cycle_end", "stopped in the middle of a cycle");
  } finally {
    if (!exited) child.kill("SIGKILL");
    await status;
    await stderr;
  }
  return reader;
}

Deno.test("daemon: the long-running mode notices changes, reloads the configuration, and exits 0 on SIGTERM", async () => {
  const dir = await applied();
  await withDaemon(dir, ["--interval", "1s"], async (reader) => {
    const first = await reader.next((e) => e.type === "cycle_end", 20_000);
    assert.equal(first.status, "clean");

    Deno.writeTextFileSync(join(dir, "a.txt"), "changed while watched\n");
    const repair = await reader.next((e) => e.type === "repair", 10_000);
    assert.deepEqual([repair.address, repair.status], ["file.a", "ok"]);
    assert.equal(read(dir, "a.txt"), "alpha\n");
    assert.throws(
      () => Deno.statSync(join(dir, ".clockwork/state.lock")),
      "lock held between cycles",
    );

    // A configuration edit is picked up (reloaded) and, by default, only reported.
    await writeFiles(dir, { "main.cw": TWO_FILES.replace('"alpha\\n"', '"alpha two\\n"') });
    await reader.next((e) => e.type === "cycle_start" && e.config_reloaded === true, 10_000);
    const skipped = await reader.next((e) => e.type === "skipped", 10_000);
    assert.deepEqual([skipped.address, skipped.reason, skipped.repeat], [
      "file.a",
      "policy",
      false,
    ]);
    // Later cycles report it again, marked as a repeat, without reloading.
    const again = await reader.next((e) => e.type === "cycle_start", 10_000);
    assert.equal(again.config_reloaded, false);
    const repeat = await reader.next((e) => e.type === "skipped", 10_000);
    assert.equal(repeat.repeat, true);
    assert.equal(read(dir, "a.txt"), "alpha\n");
  });
});

const decoder = new TextDecoder();
async function podman(...args: string[]): Promise<string> {
  const out = await new Deno.Command("podman", { args, stdin: "null", stderr: "null" }).output();
  return decoder.decode(out.stdout).trim();
}

systemTest(
  "daemon --once: a stopped container is started again, a removed one recreated, its assertions run",
  ["podman", "busybox-image"],
  async () => {
    const name = `cw-daemon-${Date.now().toString(36)}`;
    const dir = await applied(`
resource "container" "sleeper" {
  image   = "${TEST_IMAGE}"
  name    = "${name}"
  command = ["sleep", "600"]
  assert "container_running" {}
}
`);
    const status = () => podman("inspect", "--format", "{{.State.Status}}", name);
    try {
      assert.equal(await status(), "running");
      await podman("stop", "--time", "0", name);
      assert.notEqual(await status(), "running");
      const restarted = await runCli(["--json", "daemon", "--once"], { cwd: dir });
      assert.equal(restarted.code, 0, explain(restarted));
      assert.equal(await status(), "running");
      let all = events(restarted.stdout);
      assert.deepEqual(
        ofType(all, "repair").map((e) => [e.address, e.summary, e.status]),
        [["container.sleeper", "stopped outside Clockwork", "ok"]],
      );
      assert.deepEqual(ofType(all, "repair")[0].assertions, { passed: 1, failed: 0 });

      await podman("rm", "--force", "--time", "0", name);
      const recreated = await runCli(["--json", "daemon", "--once"], { cwd: dir });
      assert.equal(recreated.code, 0, explain(recreated));
      assert.equal(await status(), "running");
      all = events(recreated.stdout);
      assert.deepEqual(
        ofType(all, "repair").map((e) => [e.address, e.summary, e.action]),
        [["container.sleeper", "removed outside Clockwork", "create"]],
      );
    } finally {
      await podman("rm", "--force", "--time", "0", name);
    }
  },
);

Deno.test("daemon --once: a repair that fails is reported (exit 1) and counts against the budget", async () => {
  const dir = await applied(`
resource "file" "nested" {
  path    = "\${path.module}/sub/x.txt"
  content = "x\\n"
}
`);
  // The parent directory becomes a plain file: the file cannot be written back.
  Deno.removeSync(join(dir, "sub"), { recursive: true });
  Deno.writeTextFileSync(join(dir, "sub"), "in the way\n");
  const result = await runCli(["--json", "daemon", "--once", "--max-repairs", "1"], { cwd: dir });
  assert.equal(result.code, 1, explain(result));
  const all = events(result.stdout);
  const repair = ofType(all, "repair");
  assert.deepEqual(repair.map((e) => [e.address, e.status]), [["file.nested", "failed"]]);
  assert.ok(String(repair[0].message).length > 0);
  assert.equal(all.at(-1)!.status, "error");
  assert.ok(ofType(all, "diagnostic").some((d) => d.severity === "error"));

  const again = await runCli(["daemon", "--once", "--max-repairs", "1"], { cwd: dir });
  assert.equal(again.code, 2, explain(again));
  assert.match(again.stderr, /file\.nested deleted outside Clockwork → not repaired: flapping/);
});

Deno.test("daemon --once: exit 3 when a repaired resource's assertion fails", async () => {
  const config = (pattern: string) => `
resource "file" "page" {
  path    = "\${path.module}/page.txt"
  content = "hello\\n"
  assert "file_content" {
    path    = "\${path.module}/page.txt"
    pattern = "${pattern}"
  }
}
`;
  const dir = await applied(config("^hello"));
  // Assertions are not resource arguments: editing one leaves nothing to apply.
  await writeFiles(dir, { "main.cw": config("^goodbye") });
  Deno.writeTextFileSync(join(dir, "page.txt"), "tampered\n");
  const result = await runCli(["--json", "daemon", "--once"], { cwd: dir });
  assert.equal(result.code, 3, explain(result));
  assert.equal(read(dir, "page.txt"), "hello\n");
  const all = events(result.stdout);
  assert.deepEqual(ofType(all, "repair").map((e) => [e.status, e.assertions]), [
    ["ok", { passed: 0, failed: 1 }],
  ]);
  assert.equal(ofType(all, "assert_result")[0].passed, false);
});

Deno.test("daemon: file changes wake it long before the interval, inside DIR and outside it", async () => {
  const elsewhere = await makeTempDir("clockwork-daemon-outside-");
  const dir = await applied(
    TWO_FILES + `
resource "file" "outside" {
  path    = "${join(elsewhere, "motd")}"
  content = "welcome\\n"
}
`,
  );
  const reader = await withDaemon(dir, ["--interval", "1h"], async (reader) => {
    await reader.next((e) => e.type === "cycle_end", 20_000);
    Deno.writeTextFileSync(join(dir, "b.txt"), "edited\n");
    const inside = await reader.next((e) => e.type === "repair", 10_000);
    assert.deepEqual([inside.address, inside.status], ["file.b", "ok"]);
    assert.equal(read(dir, "b.txt"), "beta\n");

    Deno.removeSync(join(elsewhere, "motd"));
    const outside = await reader.next((e) => e.type === "repair", 10_000);
    assert.deepEqual([outside.address, outside.summary], [
      "file.outside",
      "deleted outside Clockwork",
    ]);
    assert.equal(Deno.readTextFileSync(join(elsewhere, "motd")), "welcome\n");
  });
  const triggers = reader.seen.filter((e) => e.type === "cycle_start").map((e) => e.trigger);
  assert.deepEqual([...new Set(triggers)], ["start", "change"]);
});

Deno.test("daemon: cycles skip while another run holds the lock, and repair once it is released", async () => {
  const dir = await applied();
  const lock = join(dir, ".clockwork/state.lock");
  Deno.writeTextFileSync(
    lock,
    JSON.stringify({
      pid: Deno.pid,
      host: hostName(),
      command: "clockwork apply",
      started: new Date().toISOString(),
    }),
  );
  Deno.writeTextFileSync(join(dir, "a.txt"), "edited during an apply\n");
  await withDaemon(dir, ["--interval", "1s"], async (reader) => {
    const first = await reader.next((e) => e.type === "skipped", 20_000);
    assert.equal(first.reason, "locked");
    const second = await reader.next((e) => e.type === "skipped", 10_000);
    assert.equal(second.repeat, true);
    assert.equal(read(dir, "a.txt"), "edited during an apply\n");
    Deno.removeSync(lock);
    const repair = await reader.next((e) => e.type === "repair", 10_000);
    assert.deepEqual([repair.address, repair.status], ["file.a", "ok"]);
    assert.equal(read(dir, "a.txt"), "alpha\n");
  });
});
