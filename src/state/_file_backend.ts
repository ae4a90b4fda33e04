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
 * (document checksum, journal records) and `readFileState`, the
 * in-process reader that tools and tests use to look at a file state.
 */
import { resolve } from "node:path";
import * as v from "valibot";
import type { Diagnostic } from "../hcl/mod.ts";
import { error, warning } from "./_diag.ts";
import { canonicalJson, sha256Hex } from "./_canonical.ts";
import { addressType, resourceProblem, stateProblems } from "./_rules.ts";
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

export type JournalEntry =
  | { readonly t: "put"; readonly resource: StateResource }
  | { readonly t: "rm"; readonly address: string };

/** Where a state document lives, for messages: a file (with its backup) or a backend's description. */
export interface StateLocation {
  readonly state: string;
  readonly backup: string | null;
  /** Where its journal lives (a file, or the rows of a table), for messages. */
  readonly journal?: string;
  /** The journal's path when it is a file of lines (records can then be removed one by one). */
  readonly journalFile?: string;
  /** How to discard the journal (a command), for recovery advice. */
  readonly discardJournal?: string;
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
  const problems = stateProblems(parsed.output as State);
  if (problems.length > 0) {
    return {
      value: null,
      diagnostics: [
        error("CW5003", `State file ${paths.state} does not match the state schema`, undefined, {
          detail: problems.join("\n"),
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
  /** The first record that cannot be used, when one can; everything from it on is refused. */
  damage: JournalDamage | null;
}

/** A record that is not what Clockwork wrote, somewhere before the end of the journal. */
export interface JournalDamage {
  /** Its position among the journal's records, from 1. */
  readonly record: number;
  readonly total: number;
  /** What is wrong with it: "fails its checksum", "is not JSON", … */
  readonly problem: string;
  /** Addresses named by the readable records after it: steps that finished and would be lost. */
  readonly later: readonly string[];
}

/**
 * A journal file's records, and whether a partly written last line (no
 * newline yet: a crash or a failed write mid-append) was left out. The
 * state-file plugin reads its journal the same way.
 */
export function splitJournalText(text: string): { records: string[]; torn: boolean } {
  const lines = text.split("\n");
  const tail = lines.pop()!;
  return { records: lines.filter((l) => l !== ""), torn: tail !== "" };
}

function readJournal(path: string): JournalRead | null {
  const bytes = readOptional(path);
  if (bytes === null) return null;
  const { records, torn } = splitJournalText(decoder.decode(bytes));
  return parseJournal(records, torn);
}

type Decoded =
  | { readonly ok: true; readonly record: Record<string, unknown> }
  | { readonly ok: false; readonly problem: string };

function decodeRecord(line: string): Decoded {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return { ok: false, problem: "is not JSON" };
  }
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    return { ok: false, problem: "is not a journal record" };
  }
  const { checksum, ...entry } = record as Record<string, unknown>;
  if (typeof checksum !== "string") return { ok: false, problem: "has no checksum" };
  if (checksum !== sha256Hex(canonicalJson(entry))) {
    return { ok: false, problem: "fails its checksum (edited by hand or damaged)" };
  }
  return { ok: true, record: entry };
}

/** The address a readable record names, for saying what a damaged journal holds. */
function addressOf(record: Record<string, unknown>): string | null {
  if (record.t === "rm" && typeof record.address === "string") return record.address;
  const resource = record.resource as Record<string, unknown> | null | undefined;
  if (record.t === "put" && typeof resource?.address === "string") return resource.address;
  return null;
}

/**
 * Journal records in order, each verified. `tornTail`: the reader already
 * left out a partly written last line, the only damage a crash can cause
 * (every append ends in a newline and is synced before the step counts as
 * recorded). Any record that fails here is therefore not a torn write but
 * damage, and the records after it are steps that finished: `damage` says
 * which, and the journal is refused rather than cut short there.
 */
export function parseJournal(records: readonly string[], tornTail = false): JournalRead {
  const out: JournalRead = {
    entries: [],
    lineage: null,
    baseSerial: 0,
    torn: tornTail,
    damage: null,
  };
  const total = records.length;
  for (let i = 0; i < total; i++) {
    const decoded = decodeRecord(records[i]);
    const problem = decoded.ok ? entryProblem(decoded.record, i) : decoded.problem;
    if (problem !== null) {
      const later: string[] = [];
      for (const line of records.slice(i + 1)) {
        const next = decodeRecord(line);
        const address = next.ok ? addressOf(next.record) : null;
        if (address !== null) later.push(address);
      }
      out.damage = { record: i + 1, total, problem, later };
      return out;
    }
    const entry = (decoded as { record: Record<string, unknown> }).record;
    if (entry.t === "begin") {
      out.lineage = entry.lineage as string;
      out.baseSerial = entry.serial as number;
    } else if (entry.t === "put") {
      out.entries.push({ t: "put", resource: entry.resource as StateResource });
    } else {
      out.entries.push({ t: "rm", address: entry.address as string });
    }
  }
  return out;
}

/** What is wrong with a record whose checksum holds, at position `index`; null when nothing. */
function entryProblem(entry: Record<string, unknown>, index: number): string | null {
  if (index === 0) {
    if (entry.t !== "begin") return "is not the begin record a journal starts with";
    const serial = entry.serial;
    if (typeof entry.lineage !== "string" || !Number.isSafeInteger(serial) || Number(serial) < 0) {
      return "is a begin record without a lineage and serial";
    }
    return null;
  }
  if (entry.t === "begin") return "is a second begin record";
  if (entry.t === "put") {
    if (!v.is(StateResourceSchema, entry.resource)) return "is a put record without a resource";
    const problem = resourceProblem(entry.resource as StateResource, "resource");
    return problem === null ? null : `is a put record with a bad resource (${problem})`;
  }
  if (entry.t === "rm") {
    if (typeof entry.address === "string" && addressType(entry.address) !== null) return null;
    return "is an rm record without a resource address";
  }
  return `has an unknown type ${JSON.stringify(entry.t)}`;
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
  if (journal === null) return { value: base, diagnostics: [] };
  return replayJournal(base, journal, fileLocation(paths));
}

/** Messages about a file state name its files and the shell commands that mend them. */
export function fileLocation(paths: StatePaths): StateLocation {
  return {
    state: paths.state,
    backup: paths.backup,
    journal: paths.journal,
    journalFile: paths.journal,
    discardJournal: `mv ${paths.journal} ${paths.journal}.damaged`,
  };
}

/**
 * `base` (the verified document, null when none) with the journal written
 * against it applied; refused (CW5005) when a record before its end is
 * damaged, since dropping it would drop the finished steps recorded after it.
 */
export function replayJournal(
  base: State | null,
  journal: JournalRead,
  location: StateLocation,
): { value: State | null; diagnostics: Diagnostic[] } {
  const matches = journal.lineage === null ||
    (base === null
      ? journal.baseSerial === 0
      : journal.lineage === base.lineage && journal.baseSerial === base.serial);
  // A journal written against another serial was already compacted (the run
  // died between replacing the document and clearing the journal): ignore it.
  if (!matches) return { value: base, diagnostics: [] };
  if (journal.damage !== null) {
    return { value: null, diagnostics: [journalDamaged(journal.damage, location)] };
  }
  const diagnostics: Diagnostic[] = [];
  if (journal.torn) {
    diagnostics.push(
      warning("CW5004", "The state journal ends in a partly written record", undefined, {
        detail:
          "a run was interrupted while recording a step; that step is not recorded and will run again",
      }),
    );
  }
  if (journal.lineage === null) return { value: base, diagnostics };
  return {
    value: applyJournal(base ?? emptyState(journal.lineage), journal.entries),
    diagnostics,
  };
}

function journalDamaged(damage: JournalDamage, location: StateLocation): Diagnostic {
  const where = location.journal ?? `the journal of ${location.state}`;
  const later = [...new Set(damage.later)];
  const detail = later.length === 0
    ? "the state is refused: nothing was changed and no step ran"
    : `the records after it are steps that finished (${later.join(", ")}); dropping the ` +
      "damaged record and everything after it would run them again, so the state is refused: " +
      "nothing was changed and no step ran";
  const notes = [`restore ${where} from a backup if you have one, then run the command again`];
  if (damage.record > 1 && location.journalFile) {
    notes.push(
      `or delete that record alone (sed -i '${damage.record}d' ${location.journalFile}): only the step it recorded is planned again`,
    );
  }
  const discard = location.discardJournal ? ` (${location.discardJournal})` : "";
  notes.push(
    `or discard the whole journal${discard} to go on from ${location.state} alone: every step it records is planned again, so review the plan before applying`,
  );
  return error(
    "CW5005",
    `State journal ${where} is damaged: record ${damage.record} of ${damage.total} ${damage.problem}`,
    undefined,
    { detail, notes },
  );
}
