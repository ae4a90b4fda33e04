/**
 * The file state backend: one document in a file under the configuration
 * directory, written atomically (temp file, fsync, rename) with the previous
 * version kept as `<file>.backup`, and a lock file naming its holder.
 * Settings: `path` (default `.clockwork/state.json`), `lock_path` (default
 * `.clockwork/state.lock`), both relative to the configuration directory.
 */
import {
  definePlugin,
  type LockInfo,
  type PluginContext,
  RequestError,
} from "../../src/plugins/protocol/mod.ts";

function setting(context: PluginContext, key: string, fallback: string): string {
  const value = context.settings[key];
  const relative = typeof value === "string" && value !== "" ? value : fallback;
  return relative.startsWith("/") ? relative : `${context.configDir}/${relative}`;
}

const statePath = (c: PluginContext) => setting(c, "path", ".clockwork/state.json");
const lockPath = (c: PluginContext) => setting(c, "lock_path", ".clockwork/state.lock");
const parentOf = (path: string) => path.slice(0, path.lastIndexOf("/")) || "/";

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = await Deno.open(temp, { write: true, createNew: true });
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
async function removeStaleTemps(path: string): Promise<void> {
  const dir = parentOf(path);
  const base = path.slice(dir.length + 1);
  for await (const entry of Deno.readDir(dir)) {
    const name = entry.name;
    const ours = name.startsWith(`${base}.`) && name.endsWith(".tmp");
    if (entry.isFile && ours) await Deno.remove(`${dir}/${name}`).catch(() => {});
  }
}

async function readHolder(path: string): Promise<LockInfo | null> {
  const text = await readOrNull(path);
  if (text === null) return null;
  try {
    return JSON.parse(text) as LockInfo;
  } catch {
    return { id: "", pid: 0, host: "", time: "", command: `unreadable lock file ${path}` };
  }
}

definePlugin({
  kind: "state",
  handlers: {
    async read(_params, context) {
      return { content: await readOrNull(statePath(context)) };
    },

    async write({ content }, context) {
      const path = statePath(context);
      await Deno.mkdir(parentOf(path), { recursive: true });
      await removeStaleTemps(path);
      const previous = await Deno.readFile(path).catch((e) => {
        if (e instanceof Deno.errors.NotFound) return null;
        throw e;
      });
      if (previous) await writeAtomic(`${path}.backup`, previous);
      const bytes = new TextEncoder().encode(content);
      await writeAtomic(path, bytes);
      return { bytes: bytes.length };
    },

    async lock({ info }, context) {
      const path = lockPath(context);
      await Deno.mkdir(parentOf(path), { recursive: true });
      try {
        const file = await Deno.open(path, { write: true, createNew: true });
        try {
          await file.write(new TextEncoder().encode(JSON.stringify(info) + "\n"));
          await file.sync();
        } finally {
          file.close();
        }
        return { acquired: true };
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
        return { acquired: false, holder: await readHolder(path) };
      }
    },

    async unlock({ id, force }, context) {
      const path = lockPath(context);
      const holder = await readHolder(path);
      if (holder === null) return { released: false };
      if (holder.id !== id && !force) {
        throw new RequestError(
          "conflict",
          `the lock is held by ${holder.command} (pid ${holder.pid} on ${holder.host} since ${holder.time})`,
        );
      }
      await Deno.remove(path);
      return { released: true };
    },
  },
});
