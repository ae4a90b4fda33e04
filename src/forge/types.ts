/**
 * The artifact bundle: what FORGE hands to EXECUTE and writes to
 * `.clockwork/build/manifest.json` (artifacts under `.clockwork/build/scripts/`).
 */
import * as v from "valibot";

export const LANGS = ["bash", "sh", "python3", "deno", "data"] as const;

export const ArtifactSchema = v.object({
  /** Relative to the build directory, e.g. `scripts/file.index.create.sh`. */
  path: v.string(),
  /** Octal string, at most 0755. */
  mode: v.string(),
  /** The plan step id it serves. */
  purpose: v.string(),
  lang: v.picklist(LANGS),
  content: v.string(),
  /**
   * "base64": `content` is the artifact's bytes in base64 (a file whose
   * source is not UTF-8); absent, `content` is text written as UTF-8.
   */
  encoding: v.optional(v.literal("base64")),
  /** Who wrote it: our templates, the user (`script`), or the AI. */
  origin: v.picklist(["template", "user", "ai"]),
  sha256: v.string(),
});
export type Artifact = v.InferOutput<typeof ArtifactSchema>;

/** Work the executor does itself (no subprocess), under the same confinement rules. */
export const InProcessOpSchema = v.variant("op", [
  v.object({
    op: v.literal("write_file"),
    path: v.string(),
    artifact: v.string(),
    mode: v.nullable(v.string()),
    /** User and group names or numeric ids; null leaves them as created. */
    owner: v.optional(v.nullable(v.string())),
    group: v.optional(v.nullable(v.string())),
  }),
  v.object({
    op: v.literal("mkdir"),
    path: v.string(),
    mode: v.nullable(v.string()),
    owner: v.optional(v.nullable(v.string())),
    group: v.optional(v.nullable(v.string())),
    /**
     * Whether state records that Clockwork created the directory (kept across
     * updates); absent on a first create, where the executor observes it, and
     * null when an older state does not say.
     */
    created: v.optional(v.nullable(v.boolean())),
  }),
  v.object({
    op: v.literal("remove"),
    path: v.string(),
    recursive: v.boolean(),
    /**
     * false: the path existed before Clockwork managed it, so it is left in
     * place. A non-recursive remove of a directory removes it only when empty.
     */
    created: v.optional(v.boolean()),
  }),
  /** A container created or removed through the runtime CLI (podman cannot run inside bwrap). */
  v.object({
    op: v.literal("container"),
    action: v.picklist(["create", "delete"]),
    address: v.string(),
    attributes: v.record(v.string(), v.unknown()),
    baseDir: v.string(),
    sensitive: v.optional(v.array(v.string())),
    containerId: v.nullable(v.string()),
  }),
]);
export type InProcessOp = v.InferOutput<typeof InProcessOpSchema>;

export const BundleStepSchema = v.object({
  /** Equals the plan step id (`file.index:create`). */
  id: v.string(),
  address: v.string(),
  action: v.picklist(["create", "update", "delete"]),
  /** Must match the step id's action; checked by bundle validation. */
  purpose: v.string(),
  /** Program and arguments; empty when `inProcess` is set. */
  argv: v.array(v.string()),
  /** The whole environment the step sees besides PATH. */
  env: v.record(v.string(), v.string()),
  /** Working directory: the build directory unless the resource sets `cwd`. */
  cwd: v.nullable(v.string()),
  timeoutMs: v.number(),
  /** Absolute paths the step may write (its sandbox grant). */
  writes: v.array(v.string()),
  network: v.boolean(),
  dependsOn: v.array(v.string()),
  inProcess: v.nullable(v.array(InProcessOpSchema)),
  /** Host the step runs on; null is the local machine. */
  host: v.nullable(v.string()),
  /**
   * Remote steps only: the artifact whose text is the step's stdin (file
   * content; base64 text for a base64 artifact, which the remote script decodes).
   */
  stdinArtifact: v.optional(v.string()),
});
export type BundleStep = v.InferOutput<typeof BundleStepSchema>;

export const BundleSchema = v.object({
  format_version: v.literal("1"),
  /** sha256 of the plan this bundle was compiled from. */
  planDigest: v.string(),
  artifacts: v.array(ArtifactSchema),
  steps: v.array(BundleStepSchema),
  vars: v.record(v.string(), v.string()),
});
export type Bundle = v.InferOutput<typeof BundleSchema>;
