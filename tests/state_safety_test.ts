/**
 * "Never lost state", through the real CLI: a journal damaged before its end
 * is refused instead of cut short (the steps after the damage would run
 * twice); hand-edited documents with a recomputed checksum are still checked;
 * a run whose steps could not be recorded says so; a lock that cannot be
 * released is reported; SIGTERM stops a run the way Ctrl-C does;
 * force-unlock never removes a lock whose holder it cannot see to be gone;
 * masking hides secrets without garbling messages.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { canonicalJson, sha256Hex } from "../src/state/mod.ts";
import {
  applyKilledDuring,
  cli,
  cliArgs,
  cliEnv,
  lines,
  project,
  readUntil,
  spawnCli,
} from "./apply_support_test.ts";
import { startPostgres } from "./support/postgres.ts";
import { findExecutable, systemTest } from "./support/system.ts";

type Run = { code: number; stdout: string; stderr: string };

function explain(run: Run): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

// ── 1. a damaged journal record ─────────────────────────────────────────────

const RUN_ONCE = `
resource "file" "a" {
  path    = "\${path.module}/a.txt"
  content = "a\\n"
}
resource "command" "once" {
  run        = "echo ran >> \${path.module}/once.log"
  writes     = ["\${path.module}/once.log"]
  depends_on = [file.a]
}
resource "command" "slow" {
  run        = "sleep 5"
  depends_on = [command.once]
}
`;

/** An apply killed (SIGKILL) while command.slow runs: file.a and command.once are journaled. */
async function killedRun(): Promise<string> {
  const dir = await project({ "main.cw": RUN_ONCE });
  await applyKilledDuring(dir, "command.slow");
  Deno.removeSync(join(dir, ".clockwork/state.lock"));
  return dir;
}

Deno.test("a journal record damaged before the end refuses the state (CW5005): no completed step runs again", async () => {
  const dir = await killedRun();
  const journalPath = join(dir, ".clockwork/state.journal");
  const intact = Deno.readTextFileSync(journalPath);
  const records = intact.trimEnd().split("\n");
  assert.equal(records.length, 3, intact);
  assert.equal(Deno.readTextFileSync(join(dir, "once.log")), "ran\n");

  const damaged: [string, number, RegExp][] = [
    ["a put record edited", 1, /record 2 of 3 fails its checksum/],
    ["a put record that is not JSON", 1, /record 2 of 3 is not JSON/],
    ["the begin record edited", 0, /record 1 of 3 fails its checksum/],
  ];
  for (const [what, index, problem] of damaged) {
    const edited = [...records];
    edited[index] = what.includes("not JSON")
      ? "garbage{"
      : edited[index].replace(/"(content|lineage)":"./, '"$1":"Z');
    assert.notEqual(edited[index], records[index]);
    const text = edited.join("\n") + "\n";
    Deno.writeTextFileSync(journalPath, text);

    for (const command of [["plan"], ["apply", "--auto-approve"]]) {
      const run = await cli(dir, command);
      assert.equal(run.code, 1, `${what}, ${command[0]}: ${explain(run)}`);
      assert.match(run.stderr, /error\[CW5005\]/, what);
      assert.match(run.stderr, problem, what);
      // The finished steps recorded after the damage are named, with ways to recover.
      assert.match(run.stderr, /command\.once/, what);
      assert.match(run.stderr, /state\.journal\.damaged/, what);
      assert.doesNotMatch(run.stderr, /CW5004/, what);
    }
    assert.equal(Deno.readTextFileSync(join(dir, "once.log")), "ran\n", `${what}: ran again`);
    assert.equal(Deno.readTextFileSync(journalPath), text, `${what}: the journal was rewritten`);
    assert.equal(exists(join(dir, ".clockwork/state.json")), false, what);
    assert.equal(exists(join(dir, ".clockwork/state.lock")), false, `${what}: lock left`);
  }

  // The intact journal carries on where the killed run stopped: command.once does not run again.
  Deno.writeTextFileSync(journalPath, intact);
  const resumed = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(resumed.code, 0, explain(resumed));
  assert.match(resumed.stdout, /Plan: 1 to add/);
  assert.equal(Deno.readTextFileSync(join(dir, "once.log")), "ran\n");
});

Deno.test("a torn last journal record is still dropped with a warning (CW5004)", async () => {
  const dir = await killedRun();
  const journalPath = join(dir, ".clockwork/state.journal");
  const records = Deno.readTextFileSync(journalPath).trimEnd().split("\n");
  // A crash mid-append: the last record cut off before its newline.
  Deno.writeTextFileSync(
    journalPath,
    records.slice(0, 2).join("\n") + "\n" + records[2].slice(0, 40),
  );
  const resumed = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(resumed.code, 0, explain(resumed));
  assert.match(resumed.stderr, /warning\[CW5004\]/);
  assert.equal(Deno.readTextFileSync(join(dir, "once.log")), "ran\nran\n");
});

// ── 6. a hand-edited document with a recomputed checksum ────────────────────

Deno.test("a hand-edited state with a valid checksum is still checked (CW5003)", async () => {
  const dir = await project({
    "main.cw": `
resource "file" "a" {
  path    = "\${path.module}/a.txt"
  content = "a\\n"
}
resource "file" "b" {
  path    = "\${path.module}/b.txt"
  content = "b\\n"
}
`,
  });
  const applied = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(applied.code, 0, explain(applied));
  const statePath = join(dir, ".clockwork/state.json");
  const good = JSON.parse(Deno.readTextFileSync(statePath));
  const edits: [string, (doc: Record<string, unknown[]> & { serial: number }) => void, RegExp][] = [
    ["a negative serial", (doc) => (doc.serial = -1), /serial: must be a whole number/],
    [
      "a duplicated address",
      (doc) => doc.resources.push(doc.resources[0]),
      /"file\.a" is recorded twice/,
    ],
    [
      "an address that is none",
      (doc) => ((doc.resources[1] as { address: string }).address = "bogus"),
      /"bogus" is not a resource address/,
    ],
  ];
  for (const [what, edit, problem] of edits) {
    const doc = structuredClone(good);
    delete doc.checksum;
    edit(doc);
    doc.checksum = sha256Hex(canonicalJson(doc));
    Deno.writeTextFileSync(statePath, JSON.stringify(doc, null, 2));
    const plan = await cli(dir, ["plan"]);
    assert.equal(plan.code, 1, `${what}: ${explain(plan)}`);
    assert.match(plan.stderr, /error\[CW5003\]/, what);
    assert.match(plan.stderr, problem, what);
    assert.doesNotMatch(plan.stdout, /will be destroyed/, what);
  }
});

// ── 2. steps that could not be recorded ─────────────────────────────────────

systemTest(
  "sqlite: steps that could not be recorded make the summary say the apply failed",
  ["sqlite3"],
  async () => {
    const dir = await project({
      "main.cw": `
clockwork {
  state {
    backend = "sqlite"
  }
}
resource "file" "a" {
  path    = "\${path.module}/a.txt"
  content = "a\\n"
}
resource "command" "slow" {
  run = "sleep 3"
}
`,
    });
    const apply = spawnCli(dir, ["apply", "--auto-approve"]);
    const stdout = apply.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("file.a: created")) {
      const { value, done } = await stdout.read();
      if (done) throw new Error(`apply ended early:\n${seen}`);
      seen += value;
    }
    // Another program holds the database while command.slow runs: its record
    // (sqlite3 waits 10 s for the lock) and the compaction after it both fail.
    const holder = new Deno.Command(findExecutable("sqlite3")!, {
      args: [join(dir, ".clockwork/state.db")],
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const writer = holder.stdin.getWriter();
    await writer.write(new TextEncoder().encode("BEGIN EXCLUSIVE;\nSELECT 1;\n"));
    const release = setTimeout(async () => {
      await writer.write(new TextEncoder().encode("COMMIT;\n"));
      await writer.close();
    }, 27_000);
    try {
      while (true) {
        const { value, done } = await stdout.read();
        if (done) break;
        seen += value;
      }
      const code = (await apply.status).code;
      const stderr = await new Response(apply.stderr).text();
      const run = { code, stdout: seen, stderr };
      assert.equal(code, 1, explain(run));
      assert.match(stderr, /CW5105/);
      assert.match(seen, /command\.slow: created \([\d.]+s\), but NOT recorded in state/);
      assert.doesNotMatch(seen, /Apply complete/);
      assert.match(seen, /Apply failed! Resources: 1 created, .*1 step done but not recorded/);
    } finally {
      clearTimeout(release);
      await writer.close().catch(() => {});
      await holder.status;
    }
  },
);

// ── 3. a lock that cannot be released ───────────────────────────────────────

/** A state plugin kept in memory whose `unlock` answers garbage (or, with force, works). */
const GARBLED_UNLOCK_PLUGIN = `
let content = null;
let journal = [];
let holder = null;
const handlers = {
  read: () => ({ content }),
  write: ({ content: c }) => { content = c; return { bytes: c.length }; },
  append: ({ records }) => { journal.push(...records); return { count: records.length }; },
  readJournal: () => ({ records: journal }),
  compact: ({ content: c }) => { content = c; journal = []; return { bytes: c.length }; },
  lock: ({ info }) => {
    if (holder) return { acquired: false, holder };
    holder = info;
    return { acquired: true };
  },
  unlock: ({ force }) => {
    if (force) { holder = null; return { released: true }; }
    return { released: "perhaps" };
  },
};
self.onmessage = ({ data }) => {
  if (data.method === "$initialize") {
    postMessage({ id: data.id, result: { sdk: "1", methods: Object.keys(handlers) } });
    return;
  }
  postMessage({ id: data.id, result: handlers[data.method](data.params) });
};
`;

Deno.test("a state plugin that cannot release the lock: apply says so and names force-unlock (CW5016)", async () => {
  const dir = await project({
    "plugin/memstate.js": GARBLED_UNLOCK_PLUGIN,
    "plugin/clockwork-plugin.json": JSON.stringify({
      name: "memstate",
      version: "0.1.0",
      kind: "state",
      entry: "memstate.js",
      sdk: "1",
      permissions: {},
    }),
    "main.cw": `
clockwork {
  state {
    backend = "memstate"
  }
}
resource "file" "a" {
  path    = "\${path.module}/a.txt"
  content = "a\\n"
}
`,
  });
  const added = await cli(dir, ["plugin", "add", join(dir, "plugin"), "--yes"]);
  assert.equal(added.code, 0, explain(added));
  const apply = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(apply.code, 1, explain(apply));
  assert.match(apply.stderr, /error\[CW5016\]: Could not release the state lock/);
  assert.match(apply.stderr, /clockwork force-unlock --force [0-9a-f-]{36}/);
  assert.equal(Deno.readTextFileSync(join(dir, "a.txt")), "a\n");
  // state rm takes and releases the lock too, and says when it cannot.
  const rm = await cli(dir, ["state", "rm", "file.a"]);
  assert.equal(rm.code, 1, explain(rm));
  assert.match(rm.stderr, /error\[CW5016\]: Could not release the state lock/);
});

// ── 4. SIGTERM: tests/apply_crash_test.ts runs its Ctrl-C test with SIGTERM too.

// ── 5. force-unlock and holders it cannot see ───────────────────────────────

Deno.test("force-unlock refuses a lock taken on another host (CW5013); --force LOCK_ID removes it", async () => {
  const dir = await project({
    "main.cw": `resource "file" "a" {\n  path = "\${path.module}/a.txt"\n  content = "a"\n}\n`,
  });
  const lockPath = join(dir, ".clockwork/state.lock");
  Deno.mkdirSync(join(dir, ".clockwork"));
  const now = new Date().toISOString();
  Deno.writeTextFileSync(
    lockPath,
    JSON.stringify({
      id: "remote-run-1",
      pid: 4242,
      host: "otherbox",
      command: "clockwork apply",
      time: now,
      started: now,
    }),
  );
  const blocked = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(blocked.code, 1, explain(blocked));
  assert.match(blocked.stderr, /CW5010/);
  assert.match(blocked.stderr, /force-unlock --force remote-run-1/);

  const refused = await cli(dir, ["force-unlock"]);
  assert.equal(refused.code, 1, explain(refused));
  assert.match(refused.stderr, /error\[CW5013\]: The state lock is held by a run on another host/);
  assert.match(refused.stderr, /force-unlock --force remote-run-1/);
  assert.equal(exists(lockPath), true);

  const forced = await cli(dir, ["force-unlock", "--force", "remote-run-1"]);
  assert.equal(forced.code, 0, explain(forced));
  assert.equal(exists(lockPath), false);
});

systemTest(
  "postgres: force-unlock from another host refuses a live run's lock; the run finishes and records",
  ["postgres"],
  async () => {
    const unshare = findExecutable("unshare");
    assert.ok(unshare, "unshare (util-linux) is needed to run force-unlock as another host");
    const pg = await startPostgres();
    try {
      const config = `
clockwork {
  state {
    backend = "postgres"
    url     = "${pg.url}"
  }
}
resource "command" "slow" {
  run = "sleep 4; echo done >> runs.txt"
  cwd = path.module
}
`;
      const running = await project({ "main.cw": config });
      const elsewhere = await project({ "main.cw": config });
      const p1 = spawnCli(running, ["--json", "apply", "--auto-approve"]);
      const { rest } = await readUntil(p1, (e) => e.type === "step_start");

      // Another machine (its own host name) sharing the same database.
      const other = await new Deno.Command(unshare!, {
        args: [
          "-u",
          "sh",
          "-c",
          'hostname otherbox && exec "$0" "$@"',
          Deno.execPath(),
          ...cliArgs(["force-unlock"]),
        ],
        cwd: elsewhere,
        clearEnv: true,
        env: cliEnv(),
        stdout: "piped",
        stderr: "piped",
      }).output();
      const refused = {
        code: other.code,
        stdout: new TextDecoder().decode(other.stdout),
        stderr: new TextDecoder().decode(other.stderr),
      };
      assert.equal(refused.code, 1, explain(refused));
      assert.match(refused.stderr, /error\[CW5013\]: The state lock is held by a live session/);
      assert.match(refused.stderr, /force-unlock --force [0-9a-f-]{36}/);

      const status = await p1.status;
      const after = lines(await rest);
      const stderr = await new Response(p1.stderr).text();
      assert.equal(status.code, 0, stderr);
      assert.equal(after.find((e) => e.type === "step_end")?.status, "ok");
      assert.equal(Deno.readTextFileSync(join(running, "runs.txt")), "done\n");
      const list = await cli(elsewhere, ["state", "list"]);
      assert.match(list.stdout, /command\.slow/, explain(list));
    } finally {
      await pg.stop();
    }
  },
);

// ── 7. masking ──────────────────────────────────────────────────────────────

Deno.test("a short value beside a secret in a sensitive map is not masked: messages stay readable", async () => {
  const dir = await project({
    "main.cw": `
variable "tok" {
  default   = "hunter2-pass"
  sensitive = true
}
resource "command" "fail" {
  run = "echo token=$TOKEN level=$LEVEL; exit 1"
  env = { LEVEL = "e", TOKEN = var.tok }
}
`,
  });
  const run = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(run.code, 1, explain(run));
  assert.match(run.stderr, /command\.fail:create failed: exited with code 1/);
  assert.match(run.stdout, /create FAILED: exited with code 1/);
  assert.match(run.stdout, /│ token=\(sensitive\) level=e/);
  assert.doesNotMatch(run.stdout + run.stderr, /hunter2/);
});
