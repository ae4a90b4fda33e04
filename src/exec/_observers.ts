/**
 * Observers: what exists right now for a resource instance, by type. Each
 * type registers one function here. Containers are observed by the
 * runner-container plugin (the CLI routes them there), not here.
 */
import { createHash } from "node:crypto";
import { isAbsolute, resolve } from "node:path";

/** Structurally the state module's Observation (exec may not import state). */
export interface Observation {
  address: string;
  exists: boolean;
  attributes: Record<string, unknown>;
}

export interface ObserveItem {
  readonly address: string;
  readonly type: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface ObserveOptions {
  /** Relative paths resolve against this directory (default: the process cwd). */
  readonly baseDir?: string;
  /** How many observations run at once (default 64). */
  readonly concurrency?: number;
}

export type Observer = (item: ObserveItem, options: ObserveOptions) => Promise<Observation>;

export function octalMode(mode: number | null): string {
  return "0" + ((mode ?? 0) & 0o7777).toString(8).padStart(3, "0");
}

function pathOf(item: ObserveItem, options: ObserveOptions): string | null {
  const path = item.attributes.path;
  if (typeof path !== "string" || path === "") return null;
  return isAbsolute(path) ? path : resolve(options.baseDir ?? Deno.cwd(), path);
}

async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    throw e;
  }
}

const observeFile: Observer = async (item, options) => {
  const path = pathOf(item, options);
  const info = path === null ? null : await lstatOrNull(path);
  if (path === null || info === null || !info.isFile) {
    return {
      address: item.address,
      exists: false,
      attributes: info !== null ? { kind: info.isDirectory ? "directory" : "other" } : {},
    };
  }
  const bytes = await Deno.readFile(path);
  return {
    address: item.address,
    exists: true,
    attributes: {
      sha256: createHash("sha256").update(bytes).digest("hex"),
      mode: octalMode(info.mode),
      size: bytes.length,
    },
  };
};

const observeDirectory: Observer = async (item, options) => {
  const path = pathOf(item, options);
  const info = path === null ? null : await lstatOrNull(path);
  if (path === null || info === null || !info.isDirectory) {
    return { address: item.address, exists: false, attributes: {} };
  }
  return { address: item.address, exists: true, attributes: { mode: octalMode(info.mode) } };
};

/** Types without an observer here (command, task) are reported as existing with no attributes. */
export const OBSERVERS: Record<string, Observer> = {
  file: observeFile,
  directory: observeDirectory,
};
