/**
 * `clockwork.lock`: pinned plugins (digest and granted permissions) and, kept
 * opaque here, pinned AI answers owned by the AI stage.
 */
import * as v from "valibot";
import type { Diagnostic } from "../../hcl/mod.ts";
import { pluginDiagnostic } from "./_diagnostic.ts";
import {
  describeIssues,
  EntrySchema,
  normalizePermissions,
  PermissionsSchema,
  PLUGIN_KINDS,
  PluginNameSchema,
} from "./_manifest.ts";

export const LOCK_FILE = "clockwork.lock";
export const LOCK_FORMAT_VERSION = "1";

export const LockedPluginSchema = v.object({
  version: v.string(),
  kind: v.picklist(PLUGIN_KINDS),
  /** sha256 (hex) of the entry module's bytes. */
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits")),
  /** Where it was installed from, for humans. */
  source: v.string(),
  entry: EntrySchema,
  permissions: PermissionsSchema,
});
export type LockedPlugin = v.InferOutput<typeof LockedPluginSchema>;

export const LockFileSchema = v.looseObject({
  format_version: v.literal(LOCK_FORMAT_VERSION),
  plugins: v.optional(
    v.pipe(
      v.record(v.string(), LockedPluginSchema),
      v.check(
        (r) => Object.keys(r).every((k) => v.is(PluginNameSchema, k)),
        "plugin names must be lowercase letters, digits and '-'",
      ),
    ),
    {},
  ),
  /** Owned by the AI stage; read and written back untouched. */
  ai: v.optional(v.unknown()),
});
export type LockFile = v.InferOutput<typeof LockFileSchema>;

export function emptyLock(): LockFile {
  return { format_version: LOCK_FORMAT_VERSION, plugins: {} };
}

export function lockPath(configDir: string): string {
  return configDir.endsWith("/") ? configDir + LOCK_FILE : `${configDir}/${LOCK_FILE}`;
}

/** A missing lock file reads as an empty one. */
export async function readLock(configDir: string): Promise<{
  value: LockFile;
  diagnostics: Diagnostic[];
}> {
  const path = lockPath(configDir);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { value: emptyLock(), diagnostics: [] };
    return {
      value: emptyLock(),
      diagnostics: [lockError(`cannot read ${path}: ${(e as Error).message}`)],
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { value: emptyLock(), diagnostics: [lockError(`${path}: ${(e as Error).message}`)] };
  }
  const parsed = v.safeParse(LockFileSchema, json);
  if (!parsed.success) {
    return {
      value: emptyLock(),
      diagnostics: [lockError(`${path}: ${describeIssues(parsed.issues)}`)],
    };
  }
  return { value: parsed.output, diagnostics: [] };
}

function lockError(detail: string): Diagnostic {
  return pluginDiagnostic("CW7008", "Invalid clockwork.lock", detail);
}

/** Stable text: known keys first, plugins sorted by name, two-space indent. */
export function serializeLock(lock: LockFile): string {
  const plugins: Record<string, LockedPlugin> = {};
  for (const name of Object.keys(lock.plugins).sort()) {
    const p = lock.plugins[name];
    plugins[name] = {
      version: p.version,
      kind: p.kind,
      sha256: p.sha256,
      source: p.source,
      entry: p.entry,
      permissions: normalizePermissions(p.permissions),
    };
  }
  const { format_version: _f, plugins: _p, ...rest } = lock;
  return JSON.stringify({ format_version: LOCK_FORMAT_VERSION, plugins, ...rest }, null, 2) + "\n";
}

/** Writes through a temp file, fsync and rename so readers never see half a file. */
export async function writeLock(configDir: string, lock: LockFile): Promise<void> {
  await writeFileAtomic(lockPath(configDir), new TextEncoder().encode(serializeLock(lock)));
}

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = await Deno.open(temp, { write: true, create: true, truncate: true });
  try {
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.sync();
  } finally {
    file.close();
  }
  try {
    await Deno.rename(temp, path);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
}

/** Lowercase hex sha256. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
