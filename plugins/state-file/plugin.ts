/**
 * The file state backend: one document in a file under the configuration
 * directory, replaced atomically (temp file, fsync, rename) with the previous
 * version kept as `<file>.backup`; an append-only journal beside it
 * (`<stem>.journal`, one record per line, fsynced per `append`); and a lock
 * file naming its holder. Every file is mode 0600.
 *
 * Settings: `path` (default `.clockwork/state.json`), `lock_path` (default
 * `<stem>.lock` beside the state), both relative to the configuration
 * directory. The program grants read/write on the state file's directory.
 */
import {
  definePlugin,
  type LockInfo,
  type PluginContext,
  RequestError,
} from "../../src/plugins/protocol/mod.ts";

function absolute(context: PluginContext, value: unknown, fallback: string): string {
  const relative = typeof value === "string" && value !== "" ? value : fallback;
  return relative.startsWith("/") ? relative : `${context.configDir}/${relative}`;
}

const statePath = (c: PluginContext) => absolute(c, c.settings.path, ".clockwork/state.json");
const stemOf = (path: string) => path.endsWith(".json") ? path.slice(0, -5) : path;
const journalPath = (c: PluginContext) => `${stemOf(statePath(c))}.journal`;
const lockPath = (c: PluginContext) =>
  absolute(c, c.settings.lock_path, `${stemOf(statePath(c))}.lock`);
const parentOf = (path: string) => path.slice(0, path.lastIndexOf("/")) || "/";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function readOrNull(path: string): Uint8Array | null {
  try {
    return Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
}

function syncDirectory(dir: string): void {
  try {
    using handle = Deno.openSync(dir, { read: true });
    handle.syncSync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  }
}

/**
 * Asynchronous on purpose: a Worker stopped for a timeout stops at an await,
 * so a document write cut short never reaches the rename.
 */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o600 });
  try {
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.sync();
  } catch (e) {
    file.close();
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
  file.close();
  await Deno.rename(temp, path);
}

/** Temp files left by a write that was killed half-way (the state itself is intact). */
function removeStaleTemps(path: string): void {
  const dir = parentOf(path);
  const base = path.slice(dir.length + 1);
  for (const entry of Deno.readDirSync(dir)) {
    const name = entry.name;
    if (entry.isFile && name.startsWith(`${base}.`) && name.endsWith(".tmp")) {
      try {
        Deno.removeSync(`${dir}/${name}`);
      } catch { /* gone already */ }
    }
  }
}

/** Replaces the document, keeping the previous one as `.backup`. */
async function replaceDocument(path: string, content: string): Promise<number> {
  Deno.mkdirSync(parentOf(path), { recursive: true });
  removeStaleTemps(path);
  const previous = readOrNull(path);
  if (previous) await writeAtomic(`${path}.backup`, previous);
  const bytes = encoder.encode(content);
  await writeAtomic(path, bytes);
  syncDirectory(parentOf(path));
  return bytes.length;
}

/** Lock files written before lock ids existed carry `started` instead of `time`. */
function readHolder(path: string): LockInfo | null {
  const bytes = readOrNull(path);
  if (bytes === null) return null;
  try {
    const info = JSON.parse(decoder.decode(bytes));
    return {
      id: String(info.id ?? ""),
      pid: Number(info.pid) || 0,
      host: String(info.host ?? ""),
      time: String(info.time ?? info.started ?? ""),
      command: String(info.command ?? ""),
    };
  } catch {
    return { id: "", pid: 0, host: "", time: "", command: `unreadable lock file ${path}` };
  }
}

/** The journal stays open between appends: one write and one fdatasync per call. */
let journal: { path: string; file: Deno.FsFile } | null = null;
/** A journal whose last append failed part-way and could not be cut back. */
let unterminated: string | null = null;

function closeJournal(): void {
  journal?.file.close();
  journal = null;
}

function openJournal(path: string): Deno.FsFile {
  if (journal?.path === path) return journal.file;
  closeJournal();
  Deno.mkdirSync(parentOf(path), { recursive: true });
  let created = false;
  try {
    Deno.statSync(path);
  } catch {
    created = true;
  }
  const file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
  // A new file's directory entry must be durable too, or the journal can vanish.
  if (created) syncDirectory(parentOf(path));
  journal = { path, file };
  return file;
}

definePlugin({
  kind: "state",
  handlers: {
    read(_params, context) {
      const bytes = readOrNull(statePath(context));
      return { content: bytes === null ? null : decoder.decode(bytes) };
    },

    async write({ content }, context) {
      return { bytes: await replaceDocument(statePath(context), content) };
    },

    append({ records }, context) {
      if (records.length === 0) return { count: 0 };
      const path = journalPath(context);
      if (unterminated === path) {
        throw new RequestError(
          "failed",
          `${path} ends in a partly written record that could not be removed; nothing more is appended after it`,
        );
      }
      const file = openJournal(path);
      const end = file.statSync().size;
      try {
        writeAll(file, encoder.encode(records.join("\n") + "\n"));
        file.syncDataSync();
      } catch (e) {
        // A write cut short (a full disk) leaves part of a record. At the end
        // of the file it reads as one torn write; a later append after it
        // would make it a damaged record in the middle, which refuses the
        // whole journal. So it goes, or nothing is appended after it.
        try {
          file.truncateSync(end);
          file.syncDataSync();
        } catch {
          unterminated = path;
        }
        throw e;
      }
      return { count: records.length };
    },

    readJournal(_params, context) {
      const bytes = readOrNull(journalPath(context));
      if (bytes === null) return { records: [] };
      const text = decoder.decode(bytes);
      const lines = text.split("\n");
      // Whatever follows the last newline was cut off mid-append.
      const tail = lines.pop()!;
      return { records: lines.filter((l) => l !== ""), torn: tail !== "" };
    },

    async compact({ content }, context) {
      const bytes = await replaceDocument(statePath(context), content);
      closeJournal();
      unterminated = null;
      try {
        Deno.removeSync(journalPath(context));
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      return { bytes };
    },

    lock({ info }, context) {
      const path = lockPath(context);
      Deno.mkdirSync(parentOf(path), { recursive: true });
      try {
        const file = Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
        try {
          // `started` keeps the file readable by tools that knew the older format.
          writeAll(file, encoder.encode(JSON.stringify({ ...info, started: info.time }) + "\n"));
          file.syncSync();
        } finally {
          file.close();
        }
        return { acquired: true };
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
        return { acquired: false, holder: readHolder(path) };
      }
    },

    unlock({ id, force }, context) {
      const path = lockPath(context);
      const holder = readHolder(path);
      if (holder === null) return { released: false };
      if (holder.id !== id && !force) {
        throw new RequestError(
          "conflict",
          `the lock is held by ${holder.command} (pid ${holder.pid} on ${holder.host} since ${holder.time})`,
        );
      }
      closeJournal();
      Deno.removeSync(path);
      return { released: true };
    },
  },
});
