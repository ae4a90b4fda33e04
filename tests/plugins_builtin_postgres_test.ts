/**
 * The built-in PostgreSQL state backend against a real throwaway server,
 * through PluginHost: each host is another Worker with its own session, and
 * the plugin may only connect to the database's host:port.
 */
import assert from "node:assert/strict";
import { PluginHost } from "../src/plugins/host/mod.ts";
import type { LockInfo } from "../src/plugins/protocol/mod.ts";
import * as statePostgres from "../plugins/state-postgres/bundle.ts";
import { assertBundlesMatchSources } from "./support/bundles.ts";
import { startPostgres, type TestPostgres } from "./support/postgres.ts";
import { findExecutable, systemTest } from "./support/system.ts";

/** What the pipeline derives from `state { backend = "postgres" url = … }`. */
function postgresHost(configDir: string, settings: Record<string, unknown>, net?: string[]) {
  const url = new URL(String(settings.url));
  const plugin = {
    ...statePostgres,
    manifest: {
      ...statePostgres.manifest,
      permissions: { net: net ?? [`${url.hostname}:${url.port || 5432}`] },
    },
  };
  return new PluginHost({
    configDir,
    builtins: [plugin],
    settings: { "state-postgres": settings },
  });
}

async function psql(pg: TestPostgres, sql: string): Promise<string> {
  const result = await new Deno.Command(findExecutable("psql")!, {
    args: ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", pg.url, "-c", sql],
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  if (!result.success) throw new Error(`psql failed: ${text.decode(result.stderr)}`);
  return text.decode(result.stdout).trim();
}

function info(id: string, command: string): LockInfo {
  return { id, pid: 4242, host: "build-7", time: "2026-01-01T00:00:00Z", command };
}

systemTest("state-postgres: read/write, serial, lock across sessions, net confinement", [
  "postgres",
], async (t) => {
  const pg = await startPostgres();
  const configDir = await Deno.makeTempDir({ prefix: "cw-pg-" });
  try {
    const settings = { url: pg.url, workspace: "team-a", table: "cw_state" };
    using first = postgresHost(configDir, settings);
    using second = postgresHost(configDir, settings);
    const a = first.state("state-postgres");
    const b = second.state("state-postgres");

    await t.step(
      "an empty workspace reads as null; writes read back and serial grows",
      async () => {
        assert.deepEqual(await a.read({}), { content: null });
        const v1 = JSON.stringify({ lineage: "L1", serial: 1, resources: { "file.x": "é✓" } });
        assert.deepEqual(await a.write({ content: v1 }), {
          bytes: new TextEncoder().encode(v1).length,
        });
        assert.deepEqual(await b.read({}), { content: v1 });
        const v2 = JSON.stringify({ lineage: "L1", serial: 2, resources: {} });
        await b.write({ content: v2 });
        assert.deepEqual(await a.read({}), { content: v2 });
        assert.equal(
          await psql(
            pg,
            "SELECT lineage || ' ' || serial FROM cw_state WHERE workspace = 'team-a'",
          ),
          "L1 2",
        );
        await assert.rejects(
          a.write({ content: JSON.stringify({ lineage: "L1", serial: 1 }) }),
          /newer than serial 1/,
        );
        assert.deepEqual(await a.read({}), { content: v2 });
      },
    );

    await t.step("documents without a serial count up; workspaces are separate", async () => {
      using other = postgresHost(configDir, { ...settings, workspace: "team-b" });
      const c = other.state("state-postgres");
      await c.write({ content: "plain text 'with' $1 quotes" });
      await c.write({ content: "second" });
      assert.deepEqual(await c.read({}), { content: "second" });
      assert.equal(await psql(pg, "SELECT serial FROM cw_state WHERE workspace = 'team-b'"), "2");
      assert.deepEqual(await a.read({}), {
        content: JSON.stringify({ lineage: "L1", serial: 2, resources: {} }),
      });
    });

    await t.step("a multi-megabyte document round-trips", async () => {
      using big = postgresHost(configDir, { ...settings, workspace: "big" });
      const content = JSON.stringify({ lineage: "B", serial: 1, blob: "ü✓x".repeat(1_000_000) });
      await big.state("state-postgres").write({ content });
      const read = await big.state("state-postgres").read({});
      assert.equal(read.content?.length, content.length);
      assert.ok(read.content === content);
    });

    await t.step("a lock held by one session makes another's fail, naming the holder", async () => {
      const mine = info("lock-a", "clockwork apply");
      assert.deepEqual(await a.lock({ info: mine }), { acquired: true });
      assert.deepEqual(await b.lock({ info: info("lock-b", "clockwork plan") }), {
        acquired: false,
        holder: mine,
      });
      assert.equal((await a.lock({ info: info("lock-a2", "again") })).acquired, false);
      await assert.rejects(b.unlock({ id: "lock-b" }), /held by clockwork apply \(pid 4242/);
      assert.deepEqual(await a.unlock({ id: "lock-a" }), { released: true });
      assert.deepEqual(await b.lock({ info: info("lock-b", "clockwork plan") }), {
        acquired: true,
      });
    });

    await t.step("the server releases the lock when the holder's session dies", async () => {
      second.close(); // terminates the Worker, so its connection drops
      let acquired = false;
      for (let i = 0; i < 100 && !acquired; i++) {
        acquired = (await a.lock({ info: info("lock-a", "clockwork apply") })).acquired;
        if (!acquired) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(acquired, "the dead session's advisory lock was not released");
      assert.deepEqual(await a.unlock({ id: "lock-a" }), { released: true });
    });

    await t.step("a forced unlock ends another session's hold", async () => {
      using third = postgresHost(configDir, settings);
      const c = third.state("state-postgres");
      assert.deepEqual(await c.lock({ info: info("lock-c", "stuck apply") }), { acquired: true });
      assert.deepEqual(await a.unlock({ id: "someone", force: true }), { released: true });
      assert.equal((await a.lock({ info: info("lock-a", "clockwork apply") })).acquired, true);
      assert.deepEqual(await a.unlock({ id: "lock-a" }), { released: true });
    });

    await t.step("the plugin cannot connect to anything but the granted host:port", async () => {
      const decoy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      let accepted = 0;
      const accepting = (async () => {
        for await (const conn of decoy) {
          accepted++;
          conn.close();
        }
      })();
      try {
        const port = (decoy.addr as Deno.NetAddr).port;
        using host = postgresHost(
          configDir,
          { url: `postgres://postgres@127.0.0.1:${port}/postgres` },
          [`127.0.0.1:${pg.port}`],
        );
        await assert.rejects(host.state("state-postgres").read({}), /denied/);
        assert.equal(accepted, 0);
      } finally {
        decoy.close();
        await accepting.catch(() => {});
      }
    });
  } finally {
    await Deno.remove(configDir, { recursive: true });
    await pg.stop();
  }
});

systemTest("state-postgres authenticates with SCRAM-SHA-256 and md5 passwords", [
  "postgres",
], async () => {
  const pg = await startPostgres();
  const configDir = await Deno.makeTempDir({ prefix: "cw-pg-" });
  try {
    await psql(pg, "CREATE ROLE cw_scram LOGIN PASSWORD 's3cr@t pass'");
    await psql(pg, "SET password_encryption = 'md5'; CREATE ROLE cw_md5 LOGIN PASSWORD 'md5 pass'");
    await psql(pg, "GRANT ALL ON SCHEMA public TO cw_scram, cw_md5");
    const hba = await psql(pg, "SHOW hba_file");
    const rules = [
      "local all all trust",
      "host all cw_scram 127.0.0.1/32 scram-sha-256",
      "host all cw_md5 127.0.0.1/32 md5",
      "host all all 127.0.0.1/32 trust",
    ].map((line) => `SELECT '${line}'`).join(" UNION ALL ");
    await psql(pg, `COPY (${rules}) TO '${hba}'`);
    await psql(pg, "SELECT pg_reload_conf()");
    await new Promise((r) => setTimeout(r, 300));
    const base = `127.0.0.1:${pg.port}/postgres`;
    for (const [user, password] of [["cw_scram", "s3cr@t pass"], ["cw_md5", "md5 pass"]]) {
      const url = `postgres://${user}:${encodeURIComponent(password)}@${base}`;
      {
        using host = postgresHost(configDir, { url, table: `t_${user}` });
        await host.state("state-postgres").write({ content: `hello ${user}` });
        assert.deepEqual(await host.state("state-postgres").read({}), {
          content: `hello ${user}`,
        });
      }
      using wrong = postgresHost(configDir, { url: `postgres://${user}:nope@${base}` });
      await assert.rejects(
        wrong.state("state-postgres").read({}),
        /password authentication failed/,
      );
    }
  } finally {
    await Deno.remove(configDir, { recursive: true });
    await pg.stop();
  }
});

Deno.test("the embedded state-postgres bundle matches its source", async () => {
  await assertBundlesMatchSources(["state-postgres"], [statePostgres]);
});
