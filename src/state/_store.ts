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
  type JournalEntry,
  journalRecord,
  parseJournal,
  parseStateDocument,
  replayJournal,
  serializeState,
  type StateLocation,
} from "./_file_backend.ts";
import {
  describeHolder,
  forceNote,
  hostName,
  lockedDiagnostic,
  lockHolderStatus,
  type LockInfo,
} from "./_lock.ts";
import type { State } from "./types.ts";

export type { StatePlugin };

/** Integrity, JSON and schema refusals of the stored document. */
const DOCUMENT_CODES = new Set(["CW5001", "CW5002", "CW5003"]);

export interface StateStoreOptions {
  /** Where the document lives, for messages (a file path with its backup, or e.g. `postgres 127.0.0.1:5432 workspace "default"`). */
  readonly location: StateLocation;
  /** Where the lock lives, for messages. */
  readonly lockLocation: string;
  /**
   * The backend itself releases a lock when its holder's connection ends
   * (PostgreSQL's session advisory locks), so a lock it reports held has a
   * live holder, whatever its pid and host look like from here.
   */
  readonly lockEndsWithHolder?: boolean;
}

function failure(code: string, what: string, e: unknown): Diagnostic {
  if (e instanceof PluginError) {
    const d = e.toDiagnostic();
    return { ...d, summary: `${what}: ${d.summary}`, detail: d.detail ?? e.message };
  }
  return error(code, what, undefined, { detail: e instanceof Error ? e.message : String(e) });
}

const toStateLock = (info: PluginLockInfo): LockInfo => ({
  id: info.id,
  pid: info.pid,
  host: info.host,
  command: info.command,
  started: info.time,
});

/**
 * How long releasing the lock may take: one small request, but a hung
 * backend must not keep a finished run from exiting for the default 30 s.
 */
const UNLOCK_TIMEOUT_MS = 15_000;

/** A refused lock whose backend did not say who holds it. */
const UNKNOWN_HOLDER: LockInfo = { id: "", pid: 0, host: "", command: "unknown", started: "" };

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

  readonly lockEndsWithHolder: boolean;

  constructor(plugin: StatePlugin, options: StateStoreOptions) {
    this.plugin = plugin;
    this.location = options.location;
    this.lockLocation = options.lockLocation;
    this.lockEndsWithHolder = options.lockEndsWithHolder === true;
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
    // The backend drops a cut-off last record itself and says so.
    return replayJournal(base, parseJournal(records, torn), this.location);
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
    const holder = answer.holder ? toStateLock(answer.holder) : UNKNOWN_HOLDER;
    this.lastHolder = holder;
    return [lockedDiagnostic(holder, this.lockLocation, this.lockEndsWithHolder)];
  }

  /**
   * Releases the lock this store took. A lock that cannot be released stays
   * behind and blocks the next run, which would take it for one left by a
   * run that died: CW5016 says so now, while the cause is known, and how to
   * remove it. A lock that was already gone (someone ran force-unlock while
   * this run held it) is CW5017: another run may have used the state meanwhile.
   */
  async unlock(): Promise<Diagnostic[]> {
    const id = this.#lockId;
    if (id === null) return [];
    this.#lockId = null;
    this.#cached = null;
    let released: boolean;
    try {
      ({ released } = await this.plugin.unlock({ id }, { timeoutMs: UNLOCK_TIMEOUT_MS }));
    } catch (e) {
      // PluginError's message names the plugin and what went wrong (timed out, garbage, …).
      const why = e instanceof Error ? e.message : String(e);
      return [
        error("CW5016", `Could not release the state lock ${this.lockLocation}`, undefined, {
          detail: `${why}; the lock (id ${id}) stays, and the next run will find the state locked`,
          notes: [
            `once this run has exited, remove it with \`clockwork force-unlock --force ${id}\``,
          ],
        }),
      ];
    }
    if (released) return [];
    return [
      warning("CW5017", "The state lock was removed while this run held it", undefined, {
        detail:
          `${this.lockLocation} was gone when this run released it (\`clockwork force-unlock\` or a hand removal); another run may have changed the state at the same time`,
        notes: ["run `clockwork plan` to see whether the state and the resources still agree"],
      }),
    ];
  }

  /**
   * `force-unlock`: releases a lock whose holder is certainly gone (no such
   * process on this host, its pid reused, an unreadable lock); refuses one
   * whose holder may be running (here, or on another host, which cannot be
   * checked from here; or any held lock of a backend whose locks end with
   * their holder), unless `lockId` names exactly that lock (`--force LOCK_ID`).
   */
  async forceUnlock(
    options: { readonly lockId?: string } = {},
  ): Promise<{ removed: LockInfo | null; diagnostics: Diagnostic[] }> {
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
      const holder = answer.holder ? toStateLock(answer.holder) : UNKNOWN_HOLDER;
      if (options.lockId !== undefined) {
        if (options.lockId === "" || options.lockId !== holder.id) {
          return {
            removed: null,
            diagnostics: [
              error(
                "CW5015",
                `--force ${JSON.stringify(options.lockId)} does not name the state lock`,
                undefined,
                {
                  detail: holder.id
                    ? `${this.lockLocation} is held under the id ${holder.id} by ${
                      describeHolder(holder)
                    }; --force removes only the lock it names`
                    : `${this.lockLocation} has no id (held by ${
                      describeHolder(holder)
                    }); \`clockwork force-unlock\` without --force removes it when its holder is gone`,
                },
              ),
            ],
          };
        }
      } else {
        const refusal = this.#forceUnlockRefusal(holder);
        if (refusal !== null) return { removed: null, diagnostics: [refusal] };
      }
      // Released by its id when it has one: a lock taken by another run meanwhile stays.
      const holderId = holder.id ?? "";
      await this.plugin.unlock({ id: holderId, force: holderId === "" });
      return { removed: holder, diagnostics: [] };
    } catch (e) {
      return {
        removed: null,
        diagnostics: [failure("CW5042", "Cannot release the state lock", e)],
      };
    }
  }
  /** Why plain force-unlock must leave `holder`'s lock alone; null when it may go. */
  #forceUnlockRefusal(holder: LockInfo): Diagnostic | null {
    const notes = [forceNote(holder, this.lockLocation)];
    if (this.lockEndsWithHolder) {
      return error(
        "CW5013",
        `The state lock is held by a live session: ${describeHolder(holder)}`,
        undefined,
        {
          detail:
            `the backend releases ${this.lockLocation} by itself when its holder disconnects, so the run that holds it is still connected; wait for it or stop it first`,
          notes: [
            holder.id
              ? `if that run hangs, \`clockwork force-unlock --force ${holder.id}\` ends its session and removes the lock`
              : notes[0],
          ],
        },
      );
    }
    const status = lockHolderStatus(holder);
    if (status === "running") {
      return error(
        "CW5013",
        `The state lock is held by a running process (pid ${holder.pid})`,
        undefined,
        {
          detail:
            `${holder.command} started ${holder.started} on ${holder.host} is still running; wait for it or stop it first`,
          notes,
        },
      );
    }
    if (status === "elsewhere") {
      return error(
        "CW5013",
        `The state lock is held by a run on another host: ${describeHolder(holder)}`,
        undefined,
        {
          detail:
            `processes on ${holder.host} cannot be seen from ${hostName()}, so that run may still be going; check on ${holder.host} that it has ended`,
          notes: [
            holder.id
              ? `once you know it has ended, remove the lock with \`clockwork force-unlock --force ${holder.id}\``
              : `once you know it has ended, remove ${this.lockLocation} yourself: the lock has no id to name to \`clockwork force-unlock --force\``,
          ],
        },
      );
    }
    return null;
  }
}
