/**
 * The recorded state. The file backend stores it as `.clockwork/state.json`
 * (see DESIGN.md "State"); `observed` is what ASSEMBLY compares desired state
 * against besides the record.
 */
import * as v from "valibot";

export const StateResourceSchema = v.object({
  address: v.string(),
  type: v.string(),
  module: v.array(v.string()),
  /** The attributes applied (user values as planned, plus computed ones). */
  attributes: v.record(v.string(), v.unknown()),
  sensitiveAttributes: v.array(v.string()),
  /** sha256 of the canonical JSON of `attributes`. */
  digest: v.string(),
  dependencies: v.array(v.string()),
  /** What was seen right after the step (e.g. file sha256 and mode), to detect drift later. */
  observed: v.nullable(v.record(v.string(), v.unknown())),
  host: v.nullable(v.string()),
  preventDestroy: v.boolean(),
  /**
   * Set when the resource changed and its assertions have not run since: the
   * apply that changed it stopped first (a failed step, an interrupt, a
   * crash). The next apply runs them and clears it. Absent means none owed.
   */
  assertionsPending: v.optional(v.boolean()),
});
export type StateResource = v.InferOutput<typeof StateResourceSchema>;

export const StateSchema = v.object({
  format_version: v.literal("1"),
  /** Random id fixed when the state is first created; a different lineage is a different state. */
  lineage: v.string(),
  /** Grows by one on every write. */
  serial: v.number(),
  /** Digest of the configuration last applied (Config.digest), null before the first apply. */
  configDigest: v.nullable(v.string()),
  /** Sorted by address. */
  resources: v.array(StateResourceSchema),
  outputs: v.record(v.string(), v.object({ value: v.unknown(), sensitive: v.boolean() })),
});
export type State = v.InferOutput<typeof StateSchema>;

/**
 * What an `observe` call found for one resource instance now. For `file`:
 * {sha256, mode, size}; `directory`: {mode}; `container`: {running, image_id,
 * config_digest, id}. `exists: false` means it is gone.
 */
export const ObservationSchema = v.object({
  address: v.string(),
  exists: v.boolean(),
  attributes: v.record(v.string(), v.unknown()),
});
export type Observation = v.InferOutput<typeof ObservationSchema>;
