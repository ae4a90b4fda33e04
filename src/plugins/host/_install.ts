/**
 * Installing, removing, listing and verifying plugins: the logic behind
 * `clockwork plugin …`, kept here so the commands stay thin.
 */
import { basename, dirname, join, resolve } from "node:path";
import type { Diagnostic } from "../../hcl/mod.ts";
import {
  type LockedPlugin,
  type LockFile,
  type Manifest,
  MANIFEST_FILE,
  normalizePermissions,
  parseManifest,
  type Permissions,
  pluginDiagnostic,
  readLock,
  sha256Hex,
  writeFileAtomic,
  writeLock,
} from "../protocol/mod.ts";
import { screenBundle } from "./_confine.ts";
import type { BuiltinPlugin } from "./_host.ts";
import { installedDir, installedEntryPath } from "./_paths.ts";

export interface FetchedPlugin {
  readonly manifest: Manifest;
  readonly manifestText: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  /** Where it came from, as recorded in the lock. */
  readonly origin: string;
}

type Outcome<T> = { value?: T; diagnostics: Diagnostic[] };

function fail(code: string, summary: string, detail?: string): Outcome<never> {
  return { diagnostics: [pluginDiagnostic(code, summary, detail)] };
}

const MAX_BYTES = 32 * 1024 * 1024;

async function fetchBytes(url: URL): Promise<Uint8Array> {
  const response = await fetch(url, { redirect: "follow" });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url.href}: HTTP ${response.status}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_BYTES) throw new Error(`${url.href}: larger than ${MAX_BYTES} bytes`);
  return bytes;
}

/** SOURCE is a directory with a manifest, a bundled .js with its manifest beside it, or a URL. */
export async function fetchPlugin(source: string, cwd: string): Promise<Outcome<FetchedPlugin>> {
  let manifestText: string;
  let manifestLabel: string;
  let loadEntry: (entry: string) => Promise<Uint8Array>;
  let bundleName: string | undefined;
  let origin: string;
  try {
    if (/^https?:\/\//i.test(source)) {
      const url = new URL(source);
      const manifestUrl = url.pathname.endsWith(".js") || url.pathname.endsWith(".mjs")
        ? new URL(MANIFEST_FILE, url)
        : url;
      if (manifestUrl !== url) bundleName = basename(url.pathname);
      manifestText = new TextDecoder().decode(await fetchBytes(manifestUrl));
      manifestLabel = manifestUrl.href;
      loadEntry = (entry) => fetchBytes(new URL(entry, manifestUrl));
      origin = url.href;
    } else {
      const path = resolve(cwd, source);
      const info = await Deno.stat(path);
      const dir = info.isDirectory ? path : dirname(path);
      if (!info.isDirectory) bundleName = basename(path);
      manifestLabel = join(dir, MANIFEST_FILE);
      manifestText = await Deno.readTextFile(manifestLabel);
      loadEntry = (entry) => Deno.readFile(join(dir, entry));
      origin = path;
    }
  } catch (e) {
    return fail("CW7006", "Cannot read the plugin source", `${source}: ${(e as Error).message}`);
  }
  const parsed = parseManifest(manifestText, manifestLabel);
  if (!parsed.value) return { diagnostics: parsed.diagnostics };
  const manifest = parsed.value;
  if (bundleName && bundleName !== manifest.entry) {
    return fail(
      "CW7001",
      "The bundle does not match its manifest",
      `${source} is "${bundleName}" but ${manifestLabel} names "${manifest.entry}" as its entry`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await loadEntry(manifest.entry);
  } catch (e) {
    return fail("CW7006", "Cannot read the plugin bundle", (e as Error).message);
  }
  let code: string;
  try {
    code = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return fail("CW7009", "Plugin bundle rejected", `${manifest.entry} is not UTF-8 text`);
  }
  const refusal = screenBundle(code);
  if (refusal) return fail("CW7009", "Plugin bundle rejected", `${manifest.entry}: ${refusal}`);
  return {
    value: { manifest, manifestText, bytes, sha256: await sha256Hex(bytes), origin },
    diagnostics: [],
  };
}

export interface InstallOptions {
  readonly configDir: string;
  readonly cwd: string;
  readonly source: string;
  /** The digest the user expects (`--sha256`); a mismatch refuses the install. */
  readonly expectedSha256?: string;
  readonly builtins?: readonly BuiltinPlugin[];
  /** Asked after verification; resolves true to grant the requested permissions. */
  readonly confirm: (plugin: FetchedPlugin, permissions: Permissions) => Promise<boolean>;
}

export async function installPlugin(
  options: InstallOptions,
): Promise<Outcome<{ name: string; locked: LockedPlugin; replaced: boolean }>> {
  const fetched = await fetchPlugin(options.source, options.cwd);
  if (!fetched.value) return { diagnostics: fetched.diagnostics };
  const plugin = fetched.value;
  const { manifest } = plugin;
  if (options.expectedSha256 !== undefined) {
    const expected = options.expectedSha256.trim().toLowerCase();
    if (expected !== plugin.sha256) {
      return fail(
        "CW7003",
        "Plugin digest does not match --sha256",
        `${manifest.entry} has sha256 ${plugin.sha256}, expected ${expected}; nothing was installed`,
      );
    }
  }
  if (options.builtins?.some((b) => b.manifest.name === manifest.name)) {
    return fail(
      "CW7010",
      "A built-in plugin has this name",
      `"${manifest.name}" is built into Clockwork; rename the plugin`,
    );
  }
  const lock = await readLock(options.configDir);
  if (lock.diagnostics.length) return { diagnostics: lock.diagnostics };
  const permissions = normalizePermissions(manifest.permissions);
  if (!(await options.confirm(plugin, permissions))) {
    return fail("CW7005", "Plugin not installed", "the requested permissions were not granted");
  }
  const dir = installedDir(options.configDir, manifest.name);
  const previous = lock.value.plugins[manifest.name];
  try {
    await Deno.mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, manifest.entry), plugin.bytes);
    await writeFileAtomic(join(dir, MANIFEST_FILE), new TextEncoder().encode(plugin.manifestText));
    if (previous && previous.entry !== manifest.entry) {
      await Deno.remove(join(dir, previous.entry)).catch(() => {});
    }
  } catch (e) {
    return fail("CW7006", "Cannot copy the plugin", `${dir}: ${(e as Error).message}`);
  }
  const locked: LockedPlugin = {
    version: manifest.version,
    kind: manifest.kind,
    sha256: plugin.sha256,
    source: plugin.origin,
    entry: manifest.entry,
    permissions,
  };
  const next: LockFile = {
    ...lock.value,
    plugins: { ...lock.value.plugins, [manifest.name]: locked },
  };
  await writeLock(options.configDir, next);
  return {
    value: { name: manifest.name, locked, replaced: previous !== undefined },
    diagnostics: [],
  };
}

export async function removePlugin(
  configDir: string,
  name: string,
): Promise<Outcome<LockedPlugin>> {
  const lock = await readLock(configDir);
  if (lock.diagnostics.length) return { diagnostics: lock.diagnostics };
  const locked = lock.value.plugins[name];
  if (!locked) {
    return fail("CW7004", "Plugin is not installed", `no plugin named "${name}" in clockwork.lock`);
  }
  const plugins = { ...lock.value.plugins };
  delete plugins[name];
  await writeLock(configDir, { ...lock.value, plugins });
  await Deno.remove(installedDir(configDir, name), { recursive: true }).catch(() => {});
  return { value: locked, diagnostics: [] };
}

export interface InstalledPlugin {
  readonly name: string;
  readonly version: string;
  readonly kind: string;
  readonly sha256: string;
  readonly source: string;
  readonly builtin: boolean;
  readonly permissions: Permissions;
}

export async function listPlugins(
  configDir: string,
  builtins: readonly BuiltinPlugin[] = [],
): Promise<Outcome<InstalledPlugin[]>> {
  const lock = await readLock(configDir);
  if (lock.diagnostics.length) return { diagnostics: lock.diagnostics };
  const out: InstalledPlugin[] = builtins.map((b) => ({
    name: b.manifest.name,
    version: b.manifest.version,
    kind: b.manifest.kind,
    sha256: b.sha256,
    source: "builtin",
    builtin: true,
    permissions: normalizePermissions(b.manifest.permissions),
  }));
  for (const [name, p] of Object.entries(lock.value.plugins)) {
    out.push({ name, ...p, builtin: false, permissions: normalizePermissions(p.permissions) });
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  return { value: out, diagnostics: [] };
}

export interface VerifyResult {
  readonly name: string;
  readonly ok: boolean;
  readonly expected: string;
  /** The digest found, or undefined when the bundle is missing. */
  readonly actual?: string;
  readonly problem?: string;
}

export async function verifyPlugins(configDir: string): Promise<Outcome<VerifyResult[]>> {
  const lock = await readLock(configDir);
  if (lock.diagnostics.length) return { diagnostics: lock.diagnostics };
  const results: VerifyResult[] = [];
  for (
    const [name, p] of Object.entries(lock.value.plugins).sort(([a], [b]) => a.localeCompare(b))
  ) {
    const path = installedEntryPath(configDir, name, p.entry);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (e) {
      results.push({
        name,
        ok: false,
        expected: p.sha256,
        problem: `cannot read ${path}: ${(e as Error).message}`,
      });
      continue;
    }
    const actual = await sha256Hex(bytes);
    results.push(
      actual === p.sha256 ? { name, ok: true, expected: p.sha256, actual } : {
        name,
        ok: false,
        expected: p.sha256,
        actual,
        problem: `${path} has sha256 ${actual}, clockwork.lock expects ${p.sha256}`,
      },
    );
  }
  return { value: results, diagnostics: [] };
}
