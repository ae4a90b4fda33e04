/**
 * The PostgreSQL state backend, for teams sharing one state: the document is
 * a row keyed by workspace name with its lineage and serial; the lock is a
 * session-level advisory lock (released on unlock and by the server when the
 * holder's connection dies) plus a row naming the holder.
 *
 * Settings: `url` (postgres://user:password@host:port/database, query
 * `sslmode=disable|prefer|require`), `schema` ("public"), `table`
 * ("clockwork_state"; the lock rows live in `<table>_lock`), `workspace`
 * ("default"). The connection is opened on first use and kept while the
 * plugin runs, since the advisory lock lives as long as it. The journal of
 * finished steps is `<table>_journal`, one row per record; compaction stores
 * the document and deletes those rows in one statement.
 */
import {
  definePlugin,
  type LockInfo,
  type PluginContext,
  RequestError,
} from "../../src/plugins/protocol/mod.ts";
import { PgConnection, PgError, type PgOptions } from "./wire.ts";

interface Target {
  readonly options: PgOptions;
  readonly table: string;
  readonly lockTable: string;
  readonly journalTable: string;
  readonly workspace: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function identifier(settings: Readonly<Record<string, unknown>>, key: string, fallback: string) {
  const value = settings[key] ?? fallback;
  if (typeof value !== "string" || !IDENTIFIER.test(value)) {
    throw new RequestError("invalid_params", `"${key}" must be a plain SQL identifier`);
  }
  return value;
}

function targetOf(context: PluginContext): Target {
  const s = context.settings;
  if (typeof s.url !== "string" || s.url === "") {
    throw new RequestError("invalid_params", `the postgres state backend needs a "url"`);
  }
  let url: URL;
  try {
    url = new URL(s.url);
  } catch {
    throw new RequestError("invalid_params", `"url" is not a URL`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new RequestError("invalid_params", `"url" must start with postgres://`);
  }
  const schema = identifier(s, "schema", "public");
  const table = identifier(s, "table", "clockwork_state");
  const workspace = s.workspace ?? "default";
  if (typeof workspace !== "string" || workspace === "") {
    throw new RequestError("invalid_params", `"workspace" must be a non-empty string`);
  }
  const user = decodeURIComponent(url.username) || "postgres";
  return {
    options: {
      hostname: url.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1",
      port: Number(url.port || 5432),
      user,
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      database: decodeURIComponent(url.pathname.slice(1)) || user,
      sslmode: url.searchParams.get("sslmode") ?? "disable",
    },
    table: `"${schema}"."${table}"`,
    lockTable: `"${schema}"."${table}_lock"`,
    journalTable: `"${schema}"."${table}_journal"`,
    workspace,
  };
}

let connection: Promise<PgConnection> | undefined;
/** The lock id this session holds, if any (advisory locks are per session). */
let heldLockId: string | undefined;

async function connect(target: Target): Promise<PgConnection> {
  const current = connection && await connection.catch(() => undefined);
  if (current && !current.broken) return current;
  heldLockId = undefined;
  connection = (async () => {
    const pg = await PgConnection.connect(target.options);
    await ensureTables(pg, target);
    return pg;
  })();
  return await connection.catch((e) => {
    connection = undefined;
    throw e instanceof PgError || e instanceof Deno.errors.NotCapable ? e : new RequestError(
      "failed",
      `cannot reach PostgreSQL at ${target.options.hostname}:${target.options.port}: ${
        (e as Error).message
      }`,
    );
  });
}

async function ensureTables(pg: PgConnection, target: Target): Promise<void> {
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${target.table} (workspace text PRIMARY KEY, lineage text, ` +
    `serial bigint NOT NULL, content text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE IF NOT EXISTS ${target.lockTable} (workspace text PRIMARY KEY, id text NOT NULL, ` +
    `pid integer NOT NULL, host text NOT NULL, time text NOT NULL, command text NOT NULL, ` +
    `session_pid integer NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${target.journalTable} (seq bigserial PRIMARY KEY, ` +
    `workspace text NOT NULL, record text NOT NULL)`,
  ];
  for (const sql of statements) {
    try {
      await pg.query(sql);
    } catch (e) {
      // Two first runs at once race on the catalog; the loser finds the table there.
      if (!(e instanceof PgError && (e.code === "23505" || e.code === "42P07"))) throw e;
    }
  }
}

/** The serial and lineage a Clockwork state document carries, when it is one. */
function documentVersion(content: string): { serial: string | null; lineage: string | null } {
  try {
    const doc = JSON.parse(content);
    return {
      serial: Number.isSafeInteger(doc?.serial) ? String(doc.serial) : null,
      lineage: typeof doc?.lineage === "string" ? doc.lineage : null,
    };
  } catch {
    return { serial: null, lineage: null };
  }
}

const lockKey = (target: Target) => `clockwork:${target.table}:${target.workspace}`;

async function holderOf(pg: PgConnection, target: Target): Promise<LockInfo | null> {
  const { rows } = await pg.query(
    `SELECT id, pid, host, time, command FROM ${target.lockTable} WHERE workspace = $1`,
    [target.workspace],
  );
  if (rows.length === 0) return null;
  const [id, pid, host, time, command] = rows[0];
  return {
    id: id ?? "",
    pid: Number(pid),
    host: host ?? "",
    time: time ?? "",
    command: command ?? "",
  };
}

/**
 * Stores a document; with `clearJournal` the journal rows go in the same
 * statement (so the same transaction), only when the document was stored.
 */
async function store(
  pg: PgConnection,
  target: Target,
  content: string,
  clearJournal: boolean,
): Promise<number> {
  const { serial, lineage } = documentVersion(content);
  // A document older than the stored one of the same lineage is a lost update.
  const upsert = `INSERT INTO ${target.table} AS t (workspace, lineage, serial, content) ` +
    `VALUES ($1, $2, COALESCE($3::bigint, 1), $4) ON CONFLICT (workspace) DO UPDATE SET ` +
    `lineage = EXCLUDED.lineage, serial = COALESCE($3::bigint, t.serial + 1), ` +
    `content = EXCLUDED.content, updated_at = now() ` +
    `WHERE $3::bigint IS NULL OR t.lineage IS DISTINCT FROM $2 OR t.serial <= $3::bigint ` +
    `RETURNING serial`;
  const sql = clearJournal
    ? `WITH stored AS (${upsert}), cleared AS (DELETE FROM ${target.journalTable} ` +
      `WHERE workspace = $1 AND EXISTS (SELECT 1 FROM stored)) SELECT serial FROM stored`
    : upsert;
  const { rows } = await pg.query(sql, [target.workspace, lineage, serial, content]);
  if (rows.length === 0) {
    throw new RequestError(
      "conflict",
      `the stored state of workspace "${target.workspace}" is newer than serial ${serial}`,
    );
  }
  return new TextEncoder().encode(content).length;
}

definePlugin({
  kind: "state",
  handlers: {
    async read(_params, context) {
      const target = targetOf(context);
      const pg = await connect(target);
      const { rows } = await pg.query(`SELECT content FROM ${target.table} WHERE workspace = $1`, [
        target.workspace,
      ]);
      return { content: rows[0]?.[0] ?? null };
    },

    async write({ content }, context) {
      const target = targetOf(context);
      return { bytes: await store(await connect(target), target, content, false) };
    },

    async append({ records }, context) {
      if (records.length === 0) return { count: 0 };
      const target = targetOf(context);
      const pg = await connect(target);
      // Records are single lines, so one newline-joined parameter carries them all, in order.
      await pg.query(
        `INSERT INTO ${target.journalTable} (workspace, record) SELECT $1, r ` +
          `FROM unnest(string_to_array($2, chr(10))) WITH ORDINALITY AS u(r, n) ORDER BY n`,
        [target.workspace, records.join("\n")],
      );
      return { count: records.length };
    },

    async readJournal(_params, context) {
      const target = targetOf(context);
      const pg = await connect(target);
      const { rows } = await pg.query(
        `SELECT record FROM ${target.journalTable} WHERE workspace = $1 ORDER BY seq`,
        [target.workspace],
      );
      return { records: rows.map((row) => row[0] ?? "") };
    },

    async compact({ content }, context) {
      const target = targetOf(context);
      return { bytes: await store(await connect(target), target, content, true) };
    },

    async lock({ info }, context) {
      const target = targetOf(context);
      const pg = await connect(target);
      if (heldLockId !== undefined) {
        return { acquired: false, holder: await holderOf(pg, target) };
      }
      const { rows } = await pg.query(
        "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
        [lockKey(target)],
      );
      if (rows[0]?.[0] !== "t") return { acquired: false, holder: await holderOf(pg, target) };
      heldLockId = info.id;
      await pg.query(
        `INSERT INTO ${target.lockTable} (workspace, id, pid, host, time, command, session_pid) ` +
          `VALUES ($1, $2, $3, $4, $5, $6, pg_backend_pid()) ON CONFLICT (workspace) DO UPDATE ` +
          `SET id = $2, pid = $3, host = $4, time = $5, command = $6, session_pid = pg_backend_pid()`,
        [target.workspace, info.id, String(info.pid), info.host, info.time, info.command],
      );
      return { acquired: true };
    },

    async unlock({ id, force }, context) {
      const target = targetOf(context);
      const pg = await connect(target);
      const holder = await holderOf(pg, target);
      if (heldLockId === undefined) {
        const { rows } = await pg.query(
          "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
          [lockKey(target)],
        );
        const free = rows[0]?.[0] === "t";
        if (free) {
          // Nobody holds it (a dead session left its row): clear the row and let go.
          await pg.query(`DELETE FROM ${target.lockTable} WHERE workspace = $1`, [
            target.workspace,
          ]);
          await pg.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [lockKey(target)]);
          return { released: holder !== null && (holder.id === id || force === true) };
        }
        if (!force && holder?.id !== id) {
          const who = holder
            ? `${holder.command} (pid ${holder.pid} on ${holder.host} since ${holder.time})`
            : "another session";
          throw new RequestError("conflict", `the lock is held by ${who}`);
        }
        // Only ending the holder's session frees its advisory lock (it may be hung);
        // the timeout waits until the backend is gone, so the lock is free on return.
        await pg.query(
          `SELECT pg_terminate_backend(session_pid, 5000) FROM ${target.lockTable} WHERE workspace = $1`,
          [target.workspace],
        );
        await pg.query(`DELETE FROM ${target.lockTable} WHERE workspace = $1`, [target.workspace]);
        return { released: true };
      }
      if (heldLockId !== id && !force) {
        throw new RequestError("conflict", `the lock is held by this session under another id`);
      }
      await pg.query(`DELETE FROM ${target.lockTable} WHERE workspace = $1`, [target.workspace]);
      await pg.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [lockKey(target)]);
      heldLockId = undefined;
      return { released: true };
    },
  },
});
