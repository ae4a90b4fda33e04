/**
 * Public surface of src/state: the State schema, `StateStore` (the state
 * model over any state backend plugin: the program's only way to state), and
 * the file format helpers (`loadState`) that tests and tools use to look at a
 * file state directly.
 */
import type { Diagnostic } from "../hcl/mod.ts";
import { readFileState, statePaths } from "./_file_backend.ts";
import type { State } from "./types.ts";

export * from "./types.ts";
export { canonicalJson, digestAttributes, sha256Hex } from "./_canonical.ts";
export {
  applyJournal,
  compareAddress,
  DEFAULT_STATE_PATH,
  emptyState,
  type JournalEntry,
  journalRecord,
  newLineage,
  parseJournal,
  parseStateDocument,
  serializeState,
  type StateLocation,
  type StatePaths,
  statePaths,
} from "./_file_backend.ts";
export {
  hostName,
  lockHolderDead,
  type LockHolderStatus,
  lockHolderStatus,
  type LockInfo,
  readLockInfo,
} from "./_lock.ts";
export { sensitiveAttributeTexts, textLeaves } from "./_secrets.ts";
export { type StatePlugin, StateStore, type StateStoreOptions } from "./_store.ts";

export interface LoadStateOptions {
  /** state.json location, relative to rootDir unless absolute (default `.clockwork/state.json`). */
  readonly path?: string | null;
}

/**
 * Reads `.clockwork/state.json`, verifies its integrity digest and replays the
 * journal of steps completed since it was written. `value` is null when there
 * is no state yet, or when the state is refused (then `diagnostics` says why
 * and how to recover).
 */
export function loadState(
  rootDir: string,
  options: LoadStateOptions = {},
): { value: State | null; diagnostics: Diagnostic[] } {
  return readFileState(statePaths(rootDir, options.path));
}
