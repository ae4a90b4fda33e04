/**
 * The SQLite state backend: one database file (default `.clockwork/state.db`)
 * holding the document per workspace with its lineage and serial, and a lock
 * row naming its holder, taken inside `BEGIN IMMEDIATE` so two processes
 * cannot both insert it.
 *
 * It drives the `sqlite3` program in `-safe` mode (no ATTACH, no shell, no
 * file functions), one process per request, with the SQL on stdin and every
 * value as a hex blob literal, so nothing needs escaping. node:sqlite would be
 * the natural choice and does work in a permission-restricted Worker, but the
 * plugin host refuses any bundle containing `import`, and `deno bundle` keeps
 * `node:sqlite` as an import; see docs/BACKENDS.md.
 *
 * The journal of finished steps is table `clockwork_journal`: one row per
 * record, appended in one transaction per request (durable at COMMIT) and
 * removed in the same transaction that stores the compacted document.
 *
 * Settings: `path` (default `.clockwork/state.db`, relative to the
 * configuration directory) and `workspace` ("default").
 */
import {
  definePlugin,
  type LockInfo,
  type PluginContext,
  RequestError,
} from "../../src/plugins/protocol/mod.ts";

interface Target {
  readonly path: string;
  readonly workspace: string;
}

function targetOf(context: PluginContext): Target {
  const s = context.settings;
  const raw = typeof s.path === "string" && s.path !== "" ? s.path : ".clockwork/state.db";
  const workspace = s.workspace ?? "default";
  if (typeof workspace !== "string" || workspace === "") {
    throw new RequestError("invalid_params", `"workspace" must be a non-empty string`);
  }
  return { path: raw.startsWith("/") ? raw : `${context.configDir}/${raw}`, workspace };
}

const encoder = new TextEncoder();

/** Any text as an SQL value: a blob literal cast back to TEXT (UTF-8). */
function sqlText(value: string | null): string {
  if (value === null) return "NULL";
  const hex = Array.from(encoder.encode(value), (b) => b.toString(16).padStart(2, "0")).join("");
  return `CAST(X'${hex}' AS TEXT)`;
}

function fromHex(hex: string): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return new TextDecoder().decode(bytes);
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS clockwork_state (
  workspace TEXT PRIMARY KEY, lineage TEXT, serial INTEGER NOT NULL, content TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clockwork_journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, workspace TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clockwork_lock (
  workspace TEXT PRIMARY KEY, id TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
  time TEXT NOT NULL, command TEXT NOT NULL);
`;

type Row = Record<string, string | number | null>;

/** Runs the script in one sqlite3 process; the rows of its (single) query. */
async function sqlite(target: Target, script: string): Promise<Row[]> {
  const parent = target.path.slice(0, target.path.lastIndexOf("/")) || "/";
  await Deno.mkdir(parent, { recursive: true });
  const child = new Deno.Command("sqlite3", {
    args: ["-safe", "-bail", "-json", "-cmd", ".timeout 10000", target.path],
    env: {},
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  writer.write(encoder.encode(SCHEMA + script)).then(() => writer.close()).catch(() => {});
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder();
  if (code !== 0) {
    const message = text.decode(stderr).trim() || `sqlite3 exited with ${code}`;
    throw new RequestError("failed", `${target.path}: ${message}`);
  }
  const out = text.decode(stdout).trim();
  return out === "" ? [] : JSON.parse(out) as Row[];
}

function documentVersion(content: string): { serial: number | null; lineage: string | null } {
  try {
    const doc = JSON.parse(content);
    return {
      serial: Number.isSafeInteger(doc?.serial) ? doc.serial : null,
      lineage: typeof doc?.lineage === "string" ? doc.lineage : null,
    };
  } catch {
    return { serial: null, lineage: null };
  }
}

const HOLDER_COLUMNS = "id, pid, host, time, command";

function holderOf(row: Row | undefined): LockInfo | null {
  if (!row) return null;
  return {
    id: String(row.id),
    pid: Number(row.pid),
    host: String(row.host),
    time: String(row.time),
    command: String(row.command),
  };
}

/**
 * Stores a document; with `clearJournal` the journal goes in the same
 * transaction, only when the document was stored (a refused stale write keeps it).
 */
async function store(target: Target, content: string, clearJournal: boolean): Promise<number> {
  const { serial, lineage } = documentVersion(content);
  const serialSql = serial === null ? "NULL" : String(serial);
  const workspace = sqlText(target.workspace);
  // changes() is the upsert's row count: a refused stale write keeps the journal.
  const clear = clearJournal
    ? `DELETE FROM clockwork_journal WHERE workspace = ${workspace} AND changes() > 0;\n`
    : "";
  // A document older than the stored one of the same lineage is a lost update.
  const rows = await sqlite(
    target,
    `BEGIN IMMEDIATE;
INSERT INTO clockwork_state AS t (workspace, lineage, serial, content, updated_at)
VALUES (${sqlText(target.workspace)}, ${sqlText(lineage)}, COALESCE(${serialSql}, 1),
  ${sqlText(content)}, strftime('%Y-%m-%dT%H:%M:%fZ'))
ON CONFLICT (workspace) DO UPDATE SET lineage = excluded.lineage,
  serial = COALESCE(${serialSql}, t.serial + 1), content = excluded.content,
  updated_at = excluded.updated_at
WHERE ${serialSql} IS NULL OR t.lineage IS NOT excluded.lineage OR t.serial <= ${serialSql}
RETURNING serial;
${clear}COMMIT;
`,
  );
  if (rows.length === 0) {
    throw new RequestError(
      "conflict",
      `the stored state of workspace "${target.workspace}" is newer than serial ${serial}`,
    );
  }
  return encoder.encode(content).length;
}

definePlugin({
  kind: "state",
  handlers: {
    async read(_params, context) {
      const target = targetOf(context);
      const rows = await sqlite(
        target,
        `SELECT hex(CAST(content AS BLOB)) AS content FROM clockwork_state ` +
          `WHERE workspace = ${sqlText(target.workspace)};\n`,
      );
      return { content: rows.length ? fromHex(String(rows[0].content)) : null };
    },

    async write({ content }, context) {
      return { bytes: await store(targetOf(context), content, false) };
    },

    async append({ records }, context) {
      if (records.length === 0) return { count: 0 };
      const target = targetOf(context);
      const workspace = sqlText(target.workspace);
      const values = records.map((r) => `(${workspace}, ${sqlText(r)})`).join(",\n");
      await sqlite(
        target,
        `BEGIN IMMEDIATE;\nINSERT INTO clockwork_journal (workspace, record) VALUES\n${values};\nCOMMIT;\n`,
      );
      return { count: records.length };
    },

    async readJournal(_params, context) {
      const target = targetOf(context);
      const rows = await sqlite(
        target,
        `SELECT hex(CAST(record AS BLOB)) AS record FROM clockwork_journal ` +
          `WHERE workspace = ${sqlText(target.workspace)} ORDER BY seq;\n`,
      );
      return { records: rows.map((row) => fromHex(String(row.record))) };
    },

    async compact({ content }, context) {
      return { bytes: await store(targetOf(context), content, true) };
    },

    async lock({ info }, context) {
      const target = targetOf(context);
      const workspace = sqlText(target.workspace);
      const rows = await sqlite(
        target,
        `BEGIN IMMEDIATE;
INSERT OR IGNORE INTO clockwork_lock (workspace, ${HOLDER_COLUMNS}) VALUES (${workspace},
  ${sqlText(info.id)}, ${Math.trunc(info.pid)}, ${sqlText(info.host)}, ${sqlText(info.time)},
  ${sqlText(info.command)});
SELECT changes() AS inserted, ${HOLDER_COLUMNS} FROM clockwork_lock WHERE workspace = ${workspace};
COMMIT;
`,
      );
      if (rows[0]?.inserted === 1) return { acquired: true };
      return { acquired: false, holder: holderOf(rows[0]) };
    },

    async unlock({ id, force }, context) {
      const target = targetOf(context);
      const workspace = sqlText(target.workspace);
      const condition = force ? "" : ` AND id = ${sqlText(id)}`;
      const rows = await sqlite(
        target,
        `BEGIN IMMEDIATE;
SELECT ${HOLDER_COLUMNS} FROM clockwork_lock WHERE workspace = ${workspace};
DELETE FROM clockwork_lock WHERE workspace = ${workspace}${condition};
COMMIT;
`,
      );
      const holder = holderOf(rows[0]);
      if (holder === null) return { released: false };
      if (holder.id !== id && !force) {
        throw new RequestError(
          "conflict",
          `the lock is held by ${holder.command} (pid ${holder.pid} on ${holder.host} since ${holder.time})`,
        );
      }
      return { released: true };
    },
  },
});
