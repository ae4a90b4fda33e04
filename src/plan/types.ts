/**
 * The plan: what ASSEMBLY hands to FORGE, and the body of `plan --json` and of
 * a `--out` plan file.
 */
import * as v from "valibot";
import { ResourceInstanceSchema } from "../config/mod.ts";
import { StateResourceSchema } from "../state/mod.ts";

export const ACTIONS = ["create", "update", "replace", "delete", "no-op"] as const;
export type ActionKind = (typeof ACTIONS)[number];

export const AttributeChangeSchema = v.object({
  name: v.string(),
  before: v.unknown(),
  after: v.unknown(),
  sensitive: v.boolean(),
  /** Changing this attribute forces replacement. */
  forcesReplacement: v.boolean(),
});

export const ChangeSchema = v.object({
  address: v.string(),
  type: v.string(),
  action: v.picklist(ACTIONS),
  /** Human reasons: "content changed", "file was deleted outside Clockwork". */
  reasons: v.array(v.string()),
  /** Redacted views for output (sensitive values replaced by "(sensitive)"). */
  before: v.nullable(v.record(v.string(), v.unknown())),
  after: v.nullable(v.record(v.string(), v.unknown())),
  attributeChanges: v.array(AttributeChangeSchema),
  /** Desired instance (create/update/replace/no-op), unredacted, for FORGE. */
  resource: v.nullable(ResourceInstanceSchema),
  /** Recorded instance (update/replace/delete/no-op), unredacted, for FORGE and destroy. */
  prior: v.nullable(StateResourceSchema),
  /** Attributes whose values came from pinned AI answers. */
  aiFilled: v.array(v.string()),
});
export type Change = v.InferOutput<typeof ChangeSchema>;

/**
 * One unit of work. A replace is two steps (delete then create, or create
 * then delete with create_before_destroy).
 */
export const PlanStepSchema = v.object({
  /** `file.index:create`, `file.index:delete` */
  id: v.string(),
  address: v.string(),
  action: v.picklist(["create", "update", "delete"]),
  /** Step ids that must finish first. */
  dependsOn: v.array(v.string()),
});
export type PlanStep = v.InferOutput<typeof PlanStepSchema>;

export const PlanSchema = v.object({
  format_version: v.literal("1"),
  configDigest: v.string(),
  /** State the plan was made against; apply of a plan file refuses when it moved. */
  stateLineage: v.nullable(v.string()),
  stateSerial: v.number(),
  changes: v.array(ChangeSchema),
  /** Topologically ordered, ties broken by address. */
  steps: v.array(PlanStepSchema),
  summary: v.object({
    create: v.number(),
    update: v.number(),
    replace: v.number(),
    delete: v.number(),
    no_op: v.number(),
  }),
  outputs: v.record(v.string(), v.object({ value: v.unknown(), sensitive: v.boolean() })),
  targets: v.array(v.string()),
  destroy: v.boolean(),
});
export type Plan = v.InferOutput<typeof PlanSchema>;
