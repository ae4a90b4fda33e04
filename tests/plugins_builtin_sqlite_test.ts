/**
 * The built-in SQLite state backend through PluginHost, on a real database
 * file in a temp configuration directory. Each PluginHost is its own Worker,
 * standing in for another Clockwork process.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PluginHost } from "../src/plugins/host/mod.ts";
import type { LockInfo } from "../src/plugins/protocol/mod.ts";
import * as stateSqlite from "../plugins/state-sqlite/bundle.ts";
import { assertBundlesMatchSources } from "./support/bundles.ts";
import { systemTest } from "./support/system.ts";

function sqliteHost(configDir: string, settings: Record<string, unknown> = {}) {
  return new PluginHost({
    configDir,
    builtins: [stateSqlite],
    settings: { "state-sqlite": settings },
  });
}

async function query(db: string, sql: string): Promise<string> {
  const result = await new Deno.Command("sqlite3", { args: [db, sql], stdin: "null" }).output();
  assert.ok(result.success, new TextDecoder().decode(result.stderr));
  return new TextDecoder().decode(result.stdout).trim();
}

function info(id: string, command: string): LockInfo {
  return { id, pid: 77, host: "laptop", time: "2026-01-01T00:00:00Z", command };
}

systemTest("state-sqlite: read/write, serial, stale write refused, lock across processes", [
  "sqlite3",
], async (t) => {
  const configDir = await Deno.makeTempDir({ prefix: "cw-sqlite-" });
  const db = join(configDir, ".clockwork/state.db");
  try {
    using first = sqliteHost(configDir);
    using second = sqliteHost(configDir);
    const a = first.state("state-sqlite");
    const b = second.state("state-sqlite");

    await t.step("writes read back exactly and serial grows", async () => {
      assert.deepEqual(await a.read({}), { content: null });
      const v1 = JSON.stringify({ lineage: "L", serial: 1, note: "it's é ✓ \u0000 $(x)" });
      assert.deepEqual(await a.write({ content: v1 }), {
        bytes: new TextEncoder().encode(v1).length,
      });
      assert.deepEqual(await b.read({}), { content: v1 });
      const v2 = JSON.stringify({ lineage: "L", serial: 2 });
      await b.write({ content: v2 });
      assert.deepEqual(await a.read({}), { content: v2 });
      assert.equal(
        await query(db, "SELECT lineage || ' ' || serial FROM clockwork_state"),
        "L 2",
      );
      await assert.rejects(
        a.write({ content: JSON.stringify({ lineage: "L", serial: 1 }) }),
        /newer than serial 1/,
      );
      assert.deepEqual(await a.read({}), { content: v2 });
    });

    await t.step("non-JSON documents count their serial up", async () => {
      using other = sqliteHost(configDir, { workspace: "scratch" });
      const c = other.state("state-sqlite");
      await c.write({ content: "one\n" });
      await c.write({ content: "two\r\n'\"" });
      assert.deepEqual(await c.read({}), { content: "two\r\n'\"" });
      assert.equal(
        await query(db, "SELECT serial FROM clockwork_state WHERE workspace = 'scratch'"),
        "2",
      );
    });

    await t.step("a multi-megabyte document round-trips", async () => {
      using big = sqliteHost(configDir, { workspace: "big" });
      const content = JSON.stringify({ lineage: "B", serial: 1, blob: "ü✓x".repeat(1_000_000) });
      await big.state("state-sqlite").write({ content });
      const read = await big.state("state-sqlite").read({});
      assert.equal(read.content?.length, content.length);
      assert.ok(read.content === content);
    });

    await t.step("a lock held by one process makes another's fail, naming it", async () => {
      const mine = info("lock-a", "clockwork apply");
      assert.deepEqual(await a.lock({ info: mine }), { acquired: true });
      assert.deepEqual(await b.lock({ info: info("lock-b", "clockwork plan") }), {
        acquired: false,
        holder: mine,
      });
      await assert.rejects(b.unlock({ id: "lock-b" }), /held by clockwork apply \(pid 77/);
      assert.deepEqual(await a.unlock({ id: "lock-a" }), { released: true });
      assert.deepEqual(await a.unlock({ id: "lock-a" }), { released: false });
      assert.deepEqual(await b.lock({ info: info("lock-b", "clockwork plan") }), {
        acquired: true,
      });
      assert.deepEqual(await a.unlock({ id: "whatever", force: true }), { released: true });
    });

    await t.step("of many processes racing for the lock exactly one wins", async () => {
      const hosts = Array.from({ length: 6 }, () => sqliteHost(configDir));
      try {
        const answers = await Promise.all(
          hosts.map((h, i) => h.state("state-sqlite").lock({ info: info(`race-${i}`, "race") })),
        );
        const winners = answers.filter((r) => r.acquired);
        assert.equal(winners.length, 1);
        const holder = answers.find((r) => !r.acquired)!.holder!;
        assert.equal(answers[Number(holder.id.slice(5))].acquired, true);
      } finally {
        for (const h of hosts) h.close();
      }
    });
  } finally {
    await Deno.remove(configDir, { recursive: true });
  }
});

systemTest(
  "state-sqlite may not touch a database outside its granted directory",
  ["sqlite3"],
  async () => {
    const configDir = await Deno.makeTempDir({ prefix: "cw-sqlite-" });
    const elsewhere = await Deno.makeTempDir({ prefix: "cw-sqlite-other-" });
    try {
      using host = sqliteHost(configDir, { path: join(elsewhere, "state.db") });
      await assert.rejects(host.state("state-sqlite").read({}), /denied/);
      assert.deepEqual([...Deno.readDirSync(elsewhere)], []);
    } finally {
      await Deno.remove(configDir, { recursive: true });
      await Deno.remove(elsewhere, { recursive: true });
    }
  },
);

Deno.test("the embedded state-sqlite bundle matches its source", async () => {
  await assertBundlesMatchSources(["state-sqlite"], [stateSqlite]);
});
