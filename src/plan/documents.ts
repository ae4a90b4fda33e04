/**
 * Shapes of the JSON documents `validate --json`, `plan --json` and
 * `graph --json` print (CLI.md), as valibot schemas for schemas/.
 */
import * as v from "valibot";
import { ACTIONS } from "./types.ts";

const PositionSchema = v.object({ line: v.number(), column: v.number(), byte: v.number() });

export const JsonRangeSchema = v.object({
  filename: v.string(),
  start: PositionSchema,
  end: PositionSchema,
});

export const JsonDiagnosticSchema = v.object({
  severity: v.picklist(["error", "warning"]),
  code: v.pipe(v.string(), v.regex(/^CW\d{4}$/)),
  summary: v.string(),
  detail: v.optional(v.string()),
  range: v.optional(JsonRangeSchema),
  context: v.optional(JsonRangeSchema),
  address: v.optional(v.string()),
  notes: v.optional(v.array(v.string())),
});

export const ValidateDocumentSchema = v.object({
  format_version: v.literal("1"),
  valid: v.boolean(),
  diagnostics: v.array(JsonDiagnosticSchema),
});

const SummarySchema = v.object({
  create: v.number(),
  update: v.number(),
  replace: v.number(),
  delete: v.number(),
  no_op: v.number(),
});

export const PlanDocumentSchema = v.object({
  format_version: v.literal("1"),
  changes: v.array(v.object({
    address: v.string(),
    type: v.string(),
    action: v.picklist(ACTIONS),
    reasons: v.array(v.string()),
    /** Sensitive attribute values are "(sensitive)". */
    before: v.nullable(v.record(v.string(), v.unknown())),
    after: v.nullable(v.record(v.string(), v.unknown())),
    attribute_changes: v.array(v.object({
      name: v.string(),
      before: v.unknown(),
      after: v.unknown(),
      sensitive: v.boolean(),
      forces_replacement: v.boolean(),
    })),
  })),
  summary: SummarySchema,
  outputs: v.record(v.string(), v.object({ value: v.unknown(), sensitive: v.boolean() })),
  steps: v.array(v.object({
    id: v.string(),
    address: v.string(),
    action: v.picklist(["create", "update", "delete"]),
    depends_on: v.array(v.string()),
  })),
  targets: v.array(v.string()),
  destroy: v.boolean(),
  diagnostics: v.optional(v.array(JsonDiagnosticSchema)),
});

export const GraphDocumentSchema = v.object({
  format_version: v.literal("1"),
  nodes: v.array(v.object({ address: v.string(), type: v.string(), module: v.array(v.string()) })),
  /** `from` depends on `to`. */
  edges: v.array(v.object({ from: v.string(), to: v.string() })),
  order: v.array(v.string()),
  diagnostics: v.optional(v.array(JsonDiagnosticSchema)),
});
