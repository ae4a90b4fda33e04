/**
 * What wakes the daemon: the interval timer, and file-change notifications
 * from Deno.watchFs (configuration files, and the files and directories
 * Clockwork manages), debounced so an editor's save burst is one cycle.
 */
import { dirname, join, resolve, sep } from "node:path";
import { parseDurationText } from "../config/mod.ts";

/** `30s`, `5m`, `1h`, `1m30s`, `500ms` → milliseconds; null when it does not parse or is zero. */
export function parseDuration(text: string): number | null {
  const ms = parseDurationText(text);
  return ms !== null && ms > 0 ? ms : null;
}

export function isConfigFile(path: string): boolean {
  return path.endsWith(".cw") || path.endsWith(".cwvars");
}

/**
 * A cheap summary of the configuration on disk: size and modification time of
 * every file the last load read, plus the names of the directory's `.cw` and
 * `.cwvars` files (so a new file counts). Equal fingerprints: no reload.
 */
export function configFingerprint(dir: string, filesRead: readonly string[]): string {
  const parts: string[] = [];
  try {
    const names = [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && isConfigFile(e.name))
      .map((e) => e.name)
      .sort();
    parts.push(names.join("\n"));
  } catch {
    parts.push("(unreadable)");
  }
  for (const file of filesRead) {
    try {
      const info = Deno.statSync(resolve(dir, file));
      parts.push(`${file}:${info.size}:${info.mtime?.getTime() ?? 0}`);
    } catch {
      parts.push(`${file}:missing`);
    }
  }
  return parts.join("\0");
}

export type WakeReason = "timer" | "change" | "stop";

/** A sleep that a file change or a stop request can cut short. */
export class Waker {
  #changed = false;
  #configChanged = false;
  #notify: (() => void) | null = null;

  /** A file changed; `config` when it was a configuration file. */
  poke(config: boolean): void {
    this.#changed = true;
    if (config) this.#configChanged = true;
    this.#notify?.();
  }

  /** Whether a configuration file changed since the last call. */
  takeConfigChanged(): boolean {
    const changed = this.#configChanged;
    this.#configChanged = false;
    return changed;
  }

  /**
   * Waits for the timer, a change (followed by `debounceMs` without further
   * changes), or the signal.
   */
  async wait(ms: number, debounceMs: number, signal?: AbortSignal): Promise<WakeReason> {
    const first = await this.#sleep(ms, signal);
    if (first !== "change") return first;
    // Debounce: keep waiting while changes keep coming, but never past a few rounds.
    for (let round = 0; round < 10; round++) {
      this.#changed = false;
      const next = await this.#sleep(debounceMs, signal);
      if (next === "stop") return "stop";
      if (next === "timer") break;
    }
    this.#changed = false;
    return "change";
  }

  #sleep(ms: number, signal?: AbortSignal): Promise<WakeReason> {
    if (signal?.aborted) return Promise.resolve("stop");
    if (this.#changed) return Promise.resolve("change");
    return new Promise((done) => {
      const finish = (reason: WakeReason) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#notify = null;
        done(reason);
      };
      const onAbort = () => finish("stop");
      const timer = setTimeout(() => finish("timer"), ms);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#notify = () => finish("change");
    });
  }
}

/**
 * Watches `dir` recursively, and the folders of managed files that live
 * elsewhere (non-recursively); pokes the waker for configuration files and for
 * managed paths. Changes under `.clockwork/` (state, logs, build) are
 * Clockwork's own and ignored. A folder that cannot be watched leaves the
 * timer alone in charge of it.
 */
export class FileWatcher {
  readonly #internal: string;
  #main: Deno.FsWatcher | null = null;
  #outside: Deno.FsWatcher | null = null;
  #outsideKey = "";
  #managed: ReadonlySet<string> = new Set();

  constructor(readonly dir: string, readonly waker: Waker) {
    this.#internal = join(dir, ".clockwork") + sep;
    this.#main = this.#open([dir], true);
  }

  /** The absolute paths of recorded files and directories; re-aims the outside watcher when they move. */
  setManaged(paths: ReadonlySet<string>): void {
    this.#managed = paths;
    const inside = this.dir.endsWith(sep) ? this.dir : this.dir + sep;
    const folders = new Set<string>();
    for (const path of paths) {
      if (path.startsWith(inside)) continue;
      const folder = dirname(path);
      if (isDirectory(folder)) folders.add(folder);
    }
    const key = [...folders].sort().join("\0");
    if (key === this.#outsideKey) return;
    this.#outsideKey = key;
    close(this.#outside);
    this.#outside = folders.size ? this.#open([...folders], false) : null;
  }

  close(): void {
    close(this.#main);
    close(this.#outside);
    this.#main = this.#outside = null;
  }

  #open(paths: string[], recursive: boolean): Deno.FsWatcher | null {
    let watcher: Deno.FsWatcher;
    try {
      watcher = Deno.watchFs(paths, { recursive });
    } catch {
      return null;
    }
    (async () => {
      try {
        for await (const event of watcher) this.#notice(event);
      } catch { /* closed */ }
    })();
    return watcher;
  }

  #notice(event: Deno.FsEvent): void {
    if (event.kind === "access") return;
    let config = false;
    let relevant = false;
    for (const path of event.paths) {
      if (path.startsWith(this.#internal)) continue;
      if (isConfigFile(path)) config = relevant = true;
      else if (isManaged(path, this.#managed)) relevant = true;
    }
    if (relevant) this.waker.poke(config);
  }
}

function close(watcher: Deno.FsWatcher | null): void {
  try {
    watcher?.close();
  } catch { /* already closed */ }
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function isManaged(path: string, managed: ReadonlySet<string>): boolean {
  if (managed.has(path)) return true;
  // A change inside a managed directory is worth a look too.
  for (let at = path.lastIndexOf(sep); at > 0; at = path.lastIndexOf(sep, at - 1)) {
    if (managed.has(path.slice(0, at))) return true;
  }
  return false;
}
