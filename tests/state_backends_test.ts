/**
 * State backends end to end through the real CLI: `backend = "sqlite"` on a
 * real database file, `backend = "postgres"` on a real server, and the file
 * backend's confinement in its Worker. Each runs apply, a no-op re-apply,
 * `state list`, a second concurrent apply refused naming the holder, and destroy.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, lines, project, readUntil, spawnCli } from "./apply_support_test.ts";
import { startPostgres } from "./support/postgres.ts";
import { findExecutable, systemTest } from "./support/system.ts";

function configuration(stateBlock: string): Record<string, string> {
  return {
    "main.cw": `
clockwork {
  state {
${stateBlock}
  }
}
resource "file" "a" {
  path    = "\${path.module}/out/a.txt"
  content = "alpha\\n"
}
resource "file" "b" {
  path    = "\${path.module}/out/b.txt"
  content = "beta\\n"
}
resource "command" "slow" {
  run        = "sleep 3; echo once >> runs.txt"
  cwd        = path.module
  depends_on = [file.a]
}
`,
  };
}

/** The scenario every backend must pass; `inspect` looks at the backend's own storage. */
async function lifecycle(dir: string, inspect: () => Promise<void>): Promise<void> {
  const first = spawnCli(dir, ["--json", "apply", "--auto-approve"]);
  const { rest } = await readUntil(
    first,
    (e) => e.type === "step_start" && e.address === "command.slow",
  );
  const second = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(second.code, 1, second.stdout);
  assert.match(second.stderr, new RegExp(`locked by pid ${first.pid} on `));
  assert.match(second.stderr, /clockwork apply/);
  assert.equal((await first.status).code, 0);
  await rest;
  await first.stderr.cancel();
  assert.equal(Deno.readTextFileSync(join(dir, "out/a.txt")), "alpha\n");
  assert.equal(Deno.readTextFileSync(join(dir, "runs.txt")), "once\n");
  assert.throws(
    () => Deno.statSync(join(dir, ".clockwork/state.json")),
    "the file backend was used instead of the configured one",
  );
  await inspect();

  const again = await cli(dir, ["--json", "apply", "--auto-approve"]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(lines(again.stdout).map((e) => e.type), ["plan", "summary"]);
  assert.equal(Deno.readTextFileSync(join(dir, "runs.txt")), "once\n");

  const list = await cli(dir, ["--json", "state", "list"]);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    JSON.parse(list.stdout).resources.map((r: { address: string }) => r.address),
    ["command.slow", "file.a", "file.b"],
  );

  const destroyed = await cli(dir, ["destroy", "--auto-approve"]);
  assert.equal(destroyed.code, 0, destroyed.stderr);
  assert.throws(() => Deno.statSync(join(dir, "out/a.txt")));
  const empty = await cli(dir, ["--json", "state", "list"]);
  assert.deepEqual(JSON.parse(empty.stdout).resources, []);
}

async function run(program: string, args: string[]): Promise<string> {
  const result = await new Deno.Command(findExecutable(program) ?? program, {
    args,
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  assert.ok(result.success, text.decode(result.stderr));
  return text.decode(result.stdout).trim();
}

systemTest("backend = sqlite: apply, no-op, state list, lock naming the holder, destroy", [
  "sqlite3",
], async () => {
  const dir = await project(configuration(`    backend = "sqlite"\n    workspace = "e2e"`));
  const db = join(dir, ".clockwork/state.db");
  await lifecycle(dir, async () => {
    const row = await run("sqlite3", [
      db,
      "SELECT workspace, serial > 0, json_array_length(content, '$.resources') FROM clockwork_state",
    ]);
    assert.equal(row, "e2e|1|3");
    assert.equal(await run("sqlite3", [db, "SELECT count(*) FROM clockwork_journal"]), "0");
    assert.equal(await run("sqlite3", [db, "SELECT count(*) FROM clockwork_lock"]), "0");
  });
});

systemTest("backend = postgres: apply, no-op, state list, lock naming the holder, destroy", [
  "postgres",
], async () => {
  const pg = await startPostgres();
  try {
    const dir = await project(
      configuration(`    backend = "postgres"\n    url = "${pg.url}"\n    table = "cw_e2e"`),
    );
    const psql = (sql: string) => run("psql", ["-X", "-A", "-t", "-d", pg.url, "-c", sql]);
    await lifecycle(dir, async () => {
      assert.equal(
        await psql(
          "SELECT workspace, serial > 0, content::json->'resources' IS NOT NULL FROM cw_e2e",
        ),
        "default|t|t",
      );
      assert.equal(await psql("SELECT count(*) FROM cw_e2e_journal"), "0");
    });
  } finally {
    await pg.stop();
  }
});

Deno.test("the file backend runs in a Worker granted only the state's directory", async () => {
  const dir = await project({
    "main.cw": `
clockwork {
  state {
    lock_path = "elsewhere/state.lock"
  }
}
resource "file" "a" {
  path    = "\${path.module}/a.txt"
  content = "alpha\\n"
}
`,
  });
  Deno.mkdirSync(join(dir, "elsewhere"));
  const denied = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(denied.code, 1, denied.stdout);
  assert.match(denied.stderr, /state-file/);
  assert.match(denied.stderr, /denied|NotCapable|permission/i);
  assert.throws(() => Deno.statSync(join(dir, "a.txt")), "applied without the state lock");
  assert.deepEqual([...Deno.readDirSync(join(dir, "elsewhere"))], []);

  // Inside the state's directory the same setting works.
  Deno.writeTextFileSync(
    join(dir, "main.cw"),
    Deno.readTextFileSync(join(dir, "main.cw")).replace("elsewhere/", ".clockwork/"),
  );
  const applied = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(Deno.readTextFileSync(join(dir, "a.txt")), "alpha\n");
});

systemTest("backend = sqlite: a lock row left by a dead process gets force-unlock advice", [
  "sqlite3",
], async () => {
  const dir = await project({
    "main.cw": `clockwork {\n  state {\n    backend = "sqlite"\n  }\n}\n` +
      `resource "file" "a" {\n  path    = "\${path.module}/a.txt"\n  content = "alpha\\n"\n}\n`,
  });
  const first = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(first.code, 0, first.stderr);
  const dead = new Deno.Command("true").spawn();
  await dead.status;
  const host = Deno.hostname();
  await run("sqlite3", [
    join(dir, ".clockwork/state.db"),
    `INSERT INTO clockwork_lock VALUES ('default', 'gone', ${dead.pid}, '${host}', ` +
    `'2026-01-01T00:00:00Z', 'clockwork apply')`,
  ]);
  const blocked = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(blocked.code, 1);
  assert.match(blocked.stderr, /CW5011/);
  assert.match(blocked.stderr, new RegExp(`no longer running: pid ${dead.pid} `));
  assert.match(blocked.stderr, /force-unlock/);
  const unlocked = await cli(dir, ["force-unlock"]);
  assert.equal(unlocked.code, 0, unlocked.stderr);
  assert.match(unlocked.stdout, new RegExp(`Removed the state lock held by pid ${dead.pid}`));
  Deno.writeTextFileSync(join(dir, "a.txt"), "edited\n");
  const again = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(Deno.readTextFileSync(join(dir, "a.txt")), "alpha\n");
});
