/**
 * The state model over any state backend plugin: integrity checksum verified
 * on every load (with recovery advice), lineage and serial, a journal of
 * finished steps replayed on load, compaction, and the run lock with its
 * holder. The backend only stores texts; everything that makes them a state
 * lives here, so every backend (file, sqlite, postgres, an installed plugin)
 * keeps the same guarantees.
 */
import type { Diagnostic } from "../hcl/mod.ts";
import {
  type LockInfo as PluginLockInfo,
  PluginError,
  type StateBackend as StatePlugin,
} from "../plugins/protocol/mod.ts";
import { error, warning } from "./_diag.ts";
import {
  hostName,
  type JournalEntry,
  journalRecord,
  lockedDiagnostic,
  lockHolderDead,
  type LockInfo,
  parseJournal,
  parseStateDocument,
  replayJournal,
  serializeState,
  type StateLocation,
} from "./_file_backend.ts";
import type { State } from "./types.ts";

export type { StatePlugin };

/** Integrity, JSON and schema refusals of the stored document. */
const DOCUMENT_CODES = new Set(["CW5001", "CW5002", "CW5003"]);

export interface StateStoreOptions {
  /** Where the document lives, for messages (a file path with its backup, or e.g. `postgres 127.0.0.1:5432 workspace "default"`). */
  readonly location: StateLocation;
  /** Where the lock lives, for messages. */
  readonly lockLocation: string;
}

function failure(code: string, what: string, e: unknown): Diagnostic {
  if (e instanceof PluginError) {
    const d = e.toDiagnostic();
    return { ...d, summary: `${what}: ${d.summary}`, detail: d.detail ?? e.message };
  }
  return error(code, what, undefined, { detail: e instanceof Error ? e.message : String(e) });
}

const toStateLock = (info: PluginLockInfo): LockInfo => ({
  pid: info.pid,
  host: info.host,
  command: info.command,
  started: info.time,
});

/** One state behind one backend plugin. Not shared between concurrent runs. */
export class StateStore {
  readonly plugin: StatePlugin;
  readonly location: StateLocation;
  readonly lockLocation: string;
  #lockId: string | null = null;
  /** The base the journal of this run records against; null until `beginJournal`. */
  #journalBase: State | null = null;
  #journalStarted = false;
  #journalPending = false;
  /**
   * What the last read under the lock found: while this process holds the
   * lock nobody else writes, so reads during a run need no second round trip
   * or checksum pass over the whole document.
   */
  #cached: { value: State | null; diagnostics: Diagnostic[] } | null = null;
  /** Who held the lock when it was last refused. */
  lastHolder: LockInfo | null = null;

  constructor(plugin: StatePlugin, options: StateStoreOptions) {
    this.plugin = plugin;
    this.location = options.location;
    this.lockLocation = options.lockLocation;
  }

  get name(): string {
    return this.plugin.name;
  }

  /**
   * The recorded state with finished-but-uncompacted steps applied; null when
   * none exists, or when it is refused (then the diagnostics say how to recover).
   */
  async read(): Promise<{ value: State | null; diagnostics: Diagnostic[] }> {
    if (this.#cached !== null && this.#lockId !== null) return this.#cached;
    const loaded = await this.#load();
    if (this.#lockId !== null && loaded.diagnostics.length === 0) this.#cached = loaded;
    return loaded;
  }

  async #load(): Promise<{ value: State | null; diagnostics: Diagnostic[] }> {
    let content: string | null;
    let records: string[];
    let torn: boolean;
    try {
      const [document, journal] = await Promise.all([
        this.plugin.read({}),
        this.plugin.readJournal({}),
      ]);
      content = document.content;
      records = journal.records;
      torn = journal.torn === true;
    } catch (e) {
      return { value: null, diagnostics: [failure("CW5040", "Cannot read the state", e)] };
    }
    this.#journalPending = records.length > 0;
    let base: State | null = null;
    if (content !== null) {
      const parsed = parseStateDocument(content, this.location);
      if (parsed.value === null) return parsed;
      base = parsed.value;
    }
    const journal = parseJournal(records);
    // The backend drops a cut-off last record itself and says so.
    if (torn) journal.torn = true;
    return replayJournal(base, journal);
  }

  /**
   * After taking the lock: a journal left by a killed run is folded into the
   * document, so every run starts from one clean document and an empty journal.
   */
  async recover(): Promise<Diagnostic[]> {
    const loaded = await this.read();
    if (!this.#journalPending || loaded.value === null) {
      // A refused document is reported by whoever reads it next; a backend failure stops here.
      return loaded.diagnostics.filter((d) => !DOCUMENT_CODES.has(d.code));
    }
    return [...loaded.diagnostics, ...await this.compact(loaded.value)];
  }

  /** Starts recording steps against `base` (what `read` returned, compacted). */
  beginJournal(base: State): void {
    this.#journalBase = base;
    this.#journalStarted = false;
  }

  /** Appends entries as one request (one fsync or commit): durable when this resolves. */
  async appendJournal(entries: readonly JournalEntry[]): Promise<void> {
    if (this.#journalBase === null) throw new Error("appendJournal before beginJournal");
    if (entries.length === 0) return;
    this.#cached = null;
    const records: string[] = [];
    if (!this.#journalStarted) {
      const { lineage, serial } = this.#journalBase;
      records.push(journalRecord({ t: "begin", lineage, serial }));
    }
    for (const entry of entries) {
      records.push(journalRecord(entry as unknown as Record<string, unknown>));
    }
    await this.plugin.append({ records });
    this.#journalStarted = true;
    this.#journalPending = true;
  }

  /** Writes the whole state and empties the journal it now contains. */
  async compact(state: State): Promise<Diagnostic[]> {
    this.#cached = null;
    try {
      await this.plugin.compact({ content: serializeState(state) });
    } catch (e) {
      return [failure("CW5041", "Cannot write the state", e)];
    }
    this.#journalBase = null;
    this.#journalStarted = false;
    this.#journalPending = false;
    if (this.#lockId !== null) this.#cached = { value: state, diagnostics: [] };
    return [];
  }

  /** Takes the run lock, or explains who holds it (with force-unlock advice when the holder died). */
  async lock(info: LockInfo): Promise<Diagnostic[]> {
    const id = crypto.randomUUID();
    let answer;
    try {
      answer = await this.plugin.lock({
        info: { id, pid: info.pid, host: info.host, time: info.started, command: info.command },
      });
    } catch (e) {
      return [failure("CW5042", "Cannot take the state lock", e)];
    }
    if (answer.acquired) {
      this.#lockId = id;
      this.lastHolder = null;
      return [];
    }
    const holder = answer.holder
      ? toStateLock(answer.holder)
      : { pid: 0, host: "unknown", command: "unknown", started: "unknown" };
    this.lastHolder = holder;
    return [lockedDiagnostic(holder, this.lockLocation)];
  }

  async unlock(): Promise<void> {
    const id = this.#lockId;
    if (id === null) return;
    this.#lockId = null;
    this.#cached = null;
    try {
      await this.plugin.unlock({ id });
    } catch { /* removed by force-unlock, or the backend went away: nothing left to release */ }
  }

  /** `force-unlock`: releases a lock whose holder is gone; refuses a live one on this host. */
  async forceUnlock(): Promise<{ removed: LockInfo | null; diagnostics: Diagnostic[] }> {
    const probe: LockInfo = {
      pid: Deno.pid,
      host: hostName(),
      command: "clockwork force-unlock",
      started: new Date().toISOString(),
    };
    const id = crypto.randomUUID();
    try {
      const answer = await this.plugin.lock({
        info: { id, pid: probe.pid, host: probe.host, time: probe.started, command: probe.command },
      });
      if (answer.acquired) {
        await this.plugin.unlock({ id });
        return {
          removed: null,
          diagnostics: [
            warning("CW5012", "The state is not locked", undefined, {
              detail: `nothing holds ${this.lockLocation}`,
            }),
          ],
        };
      }
      const holder = answer.holder
        ? toStateLock(answer.holder)
        : { pid: 0, host: "unknown", command: "unknown", started: "unknown" };
      if (holder.host === hostName() && !lockHolderDead(holder)) {
        return {
          removed: null,
          diagnostics: [
            error(
              "CW5013",
              `The state lock is held by a running process (pid ${holder.pid})`,
              undefined,
              {
                detail:
                  `${holder.command} started ${holder.started} on ${holder.host} is still running; wait for it or stop it first`,
              },
            ),
          ],
        };
      }
      await this.plugin.unlock({ id: answer.holder?.id ?? "", force: true });
      return { removed: holder, diagnostics: [] };
    } catch (e) {
      return {
        removed: null,
        diagnostics: [failure("CW5042", "Cannot release the state lock", e)],
      };
    }
  }
}
