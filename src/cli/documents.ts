/**
 * Shapes of what the CLI itself prints with `--json` (CLI.md), as valibot
 * schemas for schemas/: the event streams of `apply`, `destroy` and `daemon`,
 * and the documents of `assert`, `state list|show|rm` and `output`. The
 * documents of `validate`, `plan` and `graph` live in src/plan/documents.ts.
 *
 * Objects are open (`v.object`), as CLI.md promises consumers that fields may
 * be added; tests/json_schemas_test.ts holds the CLI to exactly these fields.
 */
import * as v from "valibot";
import { ASSERTION_RESULT_FIELDS, DaemonEventSchema } from "../daemon/mod.ts";
import { JsonDiagnosticSchema, PlanDocumentSchema } from "../plan/mod.ts";

const formatVersion = { format_version: v.literal("1") };

const StepActionSchema = v.picklist(["create", "update", "delete"]);

export const StepStartEventSchema = v.object({
  ...formatVersion,
  type: v.literal("step_start"),
  address: v.string(),
  action: StepActionSchema,
  /** ISO 8601. */
  time: v.string(),
  /** The step's id in the plan (`file.index:create`). */
  step: v.string(),
});

export const StepEndEventSchema = v.object({
  ...formatVersion,
  type: v.literal("step_end"),
  address: v.string(),
  /** `skipped`: never started, after a failure or an interrupt. */
  status: v.picklist(["ok", "failed", "skipped"]),
  duration_ms: v.number(),
  action: StepActionSchema,
  step: v.string(),
  /** Why it failed, or what a successful step deliberately left alone; secrets masked. */
  message: v.optional(v.string()),
  /** The step's log file. */
  log: v.optional(v.string()),
  /** Present (false) only when the step finished but state could not record it (CW5105). */
  recorded: v.optional(v.literal(false)),
});

export const DiagnosticEventSchema = v.object({
  ...formatVersion,
  type: v.literal("diagnostic"),
  ...JsonDiagnosticSchema.entries,
});

/** The plan about to run: the `plan --json` document with a `type`. */
export const PlanEventSchema = v.object({
  ...formatVersion,
  type: v.literal("plan"),
  ...PlanDocumentSchema.entries,
});

export const AssertResultEventSchema = v.object({
  ...formatVersion,
  type: v.literal("assert_result"),
  ...ASSERTION_RESULT_FIELDS,
});

export const SummaryEventSchema = v.object({
  ...formatVersion,
  type: v.literal("summary"),
  created: v.number(),
  updated: v.number(),
  replaced: v.number(),
  deleted: v.number(),
  failed: v.number(),
  /** Steps never started. */
  skipped: v.number(),
  /** Steps that finished but are in no state record (they run again next time). */
  not_recorded: v.optional(v.number()),
  duration_ms: v.number(),
});

/** One line of `apply --json` and `destroy --json`. */
export const ApplyEventSchema = v.variant("type", [
  PlanEventSchema,
  StepStartEventSchema,
  StepEndEventSchema,
  AssertResultEventSchema,
  SummaryEventSchema,
  DiagnosticEventSchema,
]);

/**
 * One line of `daemon --json`: the daemon's own events, the step events of a
 * repair passed on from its apply, and diagnostics.
 */
export const DaemonStreamEventSchema = v.intersect([
  v.object(formatVersion),
  v.variant("type", [
    DaemonEventSchema,
    StepStartEventSchema,
    StepEndEventSchema,
    DiagnosticEventSchema,
  ]),
]);

const diagnostics = v.array(JsonDiagnosticSchema);

export const AssertDocumentSchema = v.object({
  ...formatVersion,
  results: v.array(v.object(ASSERTION_RESULT_FIELDS)),
  summary: v.object({ passed: v.number(), failed: v.number() }),
  diagnostics,
});

/** Sensitive attribute values are "(sensitive)". */
const attributes = v.record(v.string(), v.unknown());

export const StateListDocumentSchema = v.object({
  ...formatVersion,
  resources: v.array(v.object({ address: v.string(), type: v.string(), attributes })),
  diagnostics,
});

export const StateShowDocumentSchema = v.object({
  ...formatVersion,
  resource: v.object({
    address: v.string(),
    type: v.string(),
    attributes,
    digest: v.string(),
    /** Addresses this resource depends on. */
    dependencies: v.array(v.string()),
    /** What the last observation found; null when the type is not observed. */
    observed: v.nullable(v.record(v.string(), v.unknown())),
    /** The `host` it runs on; null for this machine. */
    host: v.nullable(v.string()),
  }),
});

export const StateRmDocumentSchema = v.object({
  ...formatVersion,
  /** Every instance address forgotten. */
  removed: v.array(v.string()),
});

/** A sensitive output's value is "(sensitive)". */
const outputValue = { value: v.unknown(), sensitive: v.boolean() };

/** `output --json` (every output) and `output NAME --json` (one). */
export const OutputDocumentSchema = v.union([
  v.object({ ...formatVersion, outputs: v.record(v.string(), v.object(outputValue)) }),
  v.object({ ...formatVersion, name: v.string(), ...outputValue }),
]);

/**
 * What a document command prints instead of its document when it stops on an
 * error before writing one (`output NAME` of no such output, `state show` of
 * no such resource, an unreadable state, …).
 */
export const DiagnosticsDocumentSchema = v.object({ ...formatVersion, diagnostics });
