/**
 * The file state backend: `.clockwork/state.json` (replaced atomically, the
 * previous version kept as `state.json.backup`), an append-only journal
 * `.clockwork/state.journal` holding the steps completed since, and the run
 * lock `.clockwork/state.lock`. Every file is mode 0600.
 *
 * Durability at constant cost per step: a completed step is one fsynced
 * journal line, never a rewrite of the whole document. Loading replays the
 * journal over `state.json`; the end of a run compacts it back.
 *
 * The program reads and writes these files through the `state-file` plugin
 * and `StateStore` (_store.ts). What lives here is the format both share
 * (document checksum, journal records, lock holder) and `readFileState`, the
 * in-process reader that tools and tests use to look at a file state.
 */
import { resolve } from "node:path";
import * as v from "valibot";
import type { Diagnostic } from "../hcl/mod.ts";
import { error, warning } from "./_diag.ts";
import { canonicalJson, sha256Hex } from "./_canonical.ts";
import { type State, type StateResource, StateResourceSchema, StateSchema } from "./types.ts";

export const DEFAULT_STATE_PATH = ".clockwork/state.json";

export interface StatePaths {
  readonly state: string;
  readonly backup: string;
  readonly journal: string;
  readonly lock: string;
}

/** `path` (relative to `rootDir` unless absolute) names state.json; the others sit beside it. */
export function statePaths(rootDir: string, path?: string | null): StatePaths {
  const state = resolve(rootDir, path ?? DEFAULT_STATE_PATH);
  const stem = state.endsWith(".json") ? state.slice(0, -5) : state;
  return {
    state,
    backup: state + ".backup",
    journal: stem + ".journal",
    lock: stem + ".lock",
  };
}

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  /** ISO time the run started. */
  readonly started: string;
}

export type JournalEntry =
  | { readonly t: "put"; readonly resource: StateResource }
  | { readonly t: "rm"; readonly address: string };

/** Where a state document lives, for messages: a file (with its backup) or a backend's description. */
export interface StateLocation {
  readonly state: string;
  readonly backup: string | null;
}

/** Advice names only what exists: a backup is kept only once a previous state was replaced. */
const RECOVER_NOTES = (paths: StateLocation) => {
  if (!paths.backup) {
    return [
      "restore the stored document from a backup of the backend",
      "or fetch a good copy from wherever you keep one and put it in place (`clockwork state pull` prints the current state)",
    ];
  }
  let hasBackup = false;
  try {
    hasBackup = Deno.statSync(paths.backup).isFile;
  } catch { /* no backup yet */ }
  return [
    hasBackup
      ? `the previous version is kept as ${paths.backup}; restore it with: cp ${paths.backup} ${paths.state}`
      : "there is no backup of a previous version to restore",
    `${
      hasBackup ? "or restore" : "restore"
    } ${paths.state} from version control or your own copy, or save the output of \`clockwork state pull\` from a checkout whose state is intact`,
    `or move it aside (mv ${paths.state} ${paths.state}.damaged) to start from an empty state: the next plan proposes to create every resource again, so review it before applying`,
  ];
};

const decoder = new TextDecoder();

function readOptional(path: string): Uint8Array | null {
  try {
    return Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** The document on disk: the state plus `checksum`, sha256 of the canonical JSON of the rest. */
export function serializeState(state: State): string {
  const body = { ...state, resources: state.resources } as Record<string, unknown>;
  delete body.checksum;
  const checksum = sha256Hex(canonicalJson(body));
  return JSON.stringify({ ...body, checksum }, null, 2) + "\n";
}

/** Parses and verifies a state document; errors say how to recover. */
export function parseStateDocument(
  text: string,
  paths: StateLocation,
): { value: State | null; diagnostics: Diagnostic[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return {
      value: null,
      diagnostics: [
        error("CW5002", `State file ${paths.state} is not valid JSON (truncated?)`, undefined, {
          detail: e instanceof Error ? e.message : String(e),
          notes: RECOVER_NOTES(paths),
        }),
      ],
    };
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return {
      value: null,
      diagnostics: [
        error("CW5002", `State file ${paths.state} is not a state document`, undefined, {
          notes: RECOVER_NOTES(paths),
        }),
      ],
    };
  }
  const { checksum, ...body } = doc as Record<string, unknown>;
  if (typeof checksum !== "string" || sha256Hex(canonicalJson(body)) !== checksum) {
    return {
      value: null,
      diagnostics: [
        error("CW5001", `State file ${paths.state} failed its integrity check`, undefined, {
          detail: typeof checksum === "string"
            ? "its checksum does not match its content: it was edited by hand or damaged"
            : "it has no checksum field",
          notes: RECOVER_NOTES(paths),
        }),
      ],
    };
  }
  const parsed = v.safeParse(StateSchema, body);
  if (!parsed.success) {
    return {
      value: null,
      diagnostics: [
        error("CW5003", `State file ${paths.state} does not match the state schema`, undefined, {
          detail: parsed.issues.map((i) => `${v.getDotPath(i) ?? "(root)"}: ${i.message}`).join(
            "\n",
          ),
          notes: RECOVER_NOTES(paths),
        }),
      ],
    };
  }
  return { value: parsed.output as State, diagnostics: [] };
}

/** One journal record: the entry with a checksum over its canonical JSON (one line). */
export function journalRecord(entry: Record<string, unknown>): string {
  return JSON.stringify({ ...entry, checksum: sha256Hex(canonicalJson(entry)) });
}

/** Applies journal entries in order to a copy of `base`. */
export function applyJournal(base: State, entries: readonly JournalEntry[]): State {
  const byAddress = new Map(base.resources.map((r) => [r.address, r]));
  for (const entry of entries) {
    if (entry.t === "put") byAddress.set(entry.resource.address, entry.resource);
    else byAddress.delete(entry.address);
  }
  const resources = [...byAddress.values()].sort((a, b) => compareAddress(a.address, b.address));
  return { ...base, resources, serial: base.serial + (entries.length > 0 ? 1 : 0) };
}

export function compareAddress(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface JournalRead {
  entries: JournalEntry[];
  lineage: string | null;
  baseSerial: number;
  /** A torn last line (a crash mid-write) was dropped. */
  torn: boolean;
}

function readJournal(path: string): JournalRead | null {
  const bytes = readOptional(path);
  if (bytes === null) return null;
  return parseJournal(decoder.decode(bytes).split("\n"));
}

/** Journal records in order: the first that is unreadable or fails its checksum ends it (torn). */
export function parseJournal(lines: readonly string[]): JournalRead {
  const out: JournalRead = { entries: [], lineage: null, baseSerial: 0, torn: false };
  for (const line of lines) {
    if (line === "") continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line);
    } catch {
      out.torn = true;
      break;
    }
    const { checksum, ...entry } = record;
    if (checksum !== sha256Hex(canonicalJson(entry))) {
      out.torn = true;
      break;
    }
    if (entry.t === "begin") {
      out.lineage = String(entry.lineage);
      out.baseSerial = Number(entry.serial);
    } else if (entry.t === "put" && v.is(StateResourceSchema, entry.resource)) {
      out.entries.push({ t: "put", resource: entry.resource as StateResource });
    } else if (entry.t === "rm" && typeof entry.address === "string") {
      out.entries.push({ t: "rm", address: entry.address });
    }
  }
  return out;
}

export function newLineage(): string {
  return crypto.randomUUID();
}

export function emptyState(lineage = newLineage()): State {
  return {
    format_version: "1",
    lineage,
    serial: 0,
    configDigest: null,
    resources: [],
    outputs: {},
  };
}

/** Whether a process with this pid exists on this machine. */
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return Deno.build.os !== "linux"; // without /proc, assume alive: never steal a live lock
  }
}

export function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

export function readLockInfo(path: string): LockInfo | null {
  const bytes = readOptional(path);
  if (bytes === null) return null;
  try {
    const info = JSON.parse(decoder.decode(bytes));
    return {
      pid: Number(info.pid),
      host: String(info.host),
      command: String(info.command),
      started: String(info.started),
    };
  } catch {
    return { pid: 0, host: "unknown", command: "unknown", started: "unknown" };
  }
}

/** Whether the holder is certainly gone: same host and no such process. */
export function lockHolderDead(info: LockInfo): boolean {
  return info.host === hostName() && !processAlive(info.pid);
}

/**
 * The state in the files at `paths`: the document verified, with the journal
 * of steps completed since it was written replayed over it.
 */
export function readFileState(
  paths: StatePaths,
): { value: State | null; diagnostics: Diagnostic[] } {
  const bytes = readOptional(paths.state);
  let base: State | null = null;
  if (bytes !== null) {
    const parsed = parseStateDocument(decoder.decode(bytes), paths);
    if (parsed.value === null) return parsed;
    base = parsed.value;
  }
  const journal = readJournal(paths.journal);
  return journal === null ? { value: base, diagnostics: [] } : replayJournal(base, journal);
}

/** `base` (the verified document, null when none) with the journal written against it applied. */
export function replayJournal(
  base: State | null,
  journal: JournalRead,
): { value: State | null; diagnostics: Diagnostic[] } {
  if (journal.lineage === null) return { value: base, diagnostics: [] };
  const matches = base === null
    ? journal.baseSerial === 0
    : journal.lineage === base.lineage && journal.baseSerial === base.serial;
  // A journal written against another serial was already compacted (the run
  // died between replacing the document and clearing the journal): ignore it.
  if (!matches) return { value: base, diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  if (journal.torn) {
    diagnostics.push(
      warning("CW5004", "The state journal ends in a partly written record", undefined, {
        detail:
          "a run was interrupted while recording a step; that step is not recorded and will run again",
      }),
    );
  }
  return {
    value: applyJournal(base ?? emptyState(journal.lineage), journal.entries),
    diagnostics,
  };
}

/** A refused lock, naming the holder; `lock` describes where the lock lives. */
export function lockedDiagnostic(holder: LockInfo, lock: string): Diagnostic {
  const who =
    `pid ${holder.pid} on ${holder.host} (\`${holder.command}\`, started ${holder.started})`;
  if (lockHolderDead(holder)) {
    return error(
      "CW5011",
      `The state lock was left by a process that is no longer running: ${who}`,
      undefined,
      {
        detail: `${lock} remains from a run that died`,
        notes: [
          "check that no other run is active, then remove the lock with `clockwork force-unlock`",
        ],
      },
    );
  }
  return error("CW5010", `The state is locked by ${who}`, undefined, {
    detail: `another run holds ${lock}; wait for it to finish`,
  });
}
