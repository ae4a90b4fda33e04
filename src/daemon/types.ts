/**
 * The daemon's contract with its caller: the options, the pipeline stages it
 * is handed (so the loop never imports the CLI), and the events it reports.
 */
import * as v from "valibot";
import type { UnfixedDifference } from "../ai/mod.ts";
import type { AssertionResult } from "../assert/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Diagnostic } from "../hcl/mod.ts";
import type { Plan } from "../plan/mod.ts";
import type { State } from "../state/mod.ts";

/**
 * What the daemon applies on its own:
 * - `drift`: changes made outside Clockwork to recorded file, directory and
 *   container resources (the default);
 * - `all`: also creates, updates and replacements from configuration edits;
 * - `none`: nothing; it only reports.
 * Deletes are never applied automatically, whatever the policy.
 */
export type AutoFixPolicy = "drift" | "all" | "none";
export const AUTO_FIX_POLICIES: readonly AutoFixPolicy[] = ["drift", "all", "none"];

/** Resource types whose drift the daemon repairs (the ones Clockwork can observe). */
export const REPAIRABLE_TYPES: ReadonlySet<string> = new Set(["file", "directory", "container"]);

export interface DaemonOptions {
  /** Absolute configuration directory. */
  readonly dir: string;
  /** Time between cycles when nothing wakes the daemon earlier. */
  readonly intervalMs: number;
  /** One cycle, then return its exit code. */
  readonly once: boolean;
  readonly autoFix: AutoFixPolicy;
  /** Repairs of one resource allowed per `budgetWindowMs` before it counts as flapping. */
  readonly maxRepairs: number;
  /** Default one hour. */
  readonly budgetWindowMs?: number;
  /** Quiet time after a file-change notification before the cycle starts (default 300 ms). */
  readonly debounceMs?: number;
  /** Watch the directory with Deno.watchFs (default: when not `once`). */
  readonly watch?: boolean;
  /** Where the repair budget's history persists (null: in memory only). */
  readonly historyPath?: string | null;
  /** Stops the loop after the current cycle (SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
}

export interface LoadOutcome {
  readonly config: Config | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

export interface PlanOutcome {
  readonly plan: Plan | undefined;
  readonly state: State | null;
  readonly diagnostics: readonly Diagnostic[];
}

/** How one address fared in a repair run. */
export interface StepOutcome {
  readonly address: string;
  readonly status: "ok" | "failed";
  readonly message?: string;
}

export interface ApplyOutcome {
  /**
   * Why nothing ran, when the state was busy: another run holds the lock
   * ("the state is locked by …"), or finished since this cycle's plan.
   */
  readonly busy: string | null;
  /** One entry per address with steps in the plan. */
  readonly results: readonly StepOutcome[];
  /** Problems not tied to a step (bundle validation, refusals); already reported. */
  readonly failed: boolean;
}

/** Who holds the state lock: in words, and whether that process is gone (the lock then never frees). */
export interface LockHolder {
  readonly description: string;
  readonly stale: boolean;
}

/** A difference the daemon leaves alone, as told to `propose` (the AI's own description of one). */
export type { UnfixedDifference };

export const RunbookSchema = v.object({
  summary: v.string(),
  steps: v.array(v.object({ description: v.string(), command: v.optional(v.string()) })),
  /** HCL to paste into the configuration, when the fix is a configuration change. */
  cw_patch: v.optional(v.string()),
  /** `model`: asked this cycle (and now pinned); `pin`: the answer pinned in clockwork.lock. */
  source: v.picklist(["model", "pin"]),
});
export type RunbookProposal = v.InferOutput<typeof RunbookSchema>;

/**
 * The pipeline stages the loop drives. The CLI command provides them by
 * wrapping the same functions `plan` and `apply` use.
 */
export interface DaemonPipeline {
  /** Reads and evaluates the configuration (again). */
  load(): Promise<LoadOutcome>;
  /** Plans against recorded state with a refresh (observation of what is live). */
  plan(config: Config): Promise<PlanOutcome>;
  /** Who holds the state lock, in words, or null when it is free. */
  lockHolder(config: Config): LockHolder | null;
  /** Takes the lock, runs the plan (compile, execute, record state), releases the lock. */
  apply(config: Config, plan: Plan, state: State | null): Promise<ApplyOutcome>;
  /** Runs the assertions of these resources against what is live now. */
  assert(config: Config, addresses: readonly string[]): Promise<AssertionResult[]>;
  /** Diagnostics for the user (rendered or streamed by the caller). */
  report(diagnostics: readonly Diagnostic[]): void;
  /**
   * A runbook for a difference the daemon leaves alone (`--propose`: written
   * by the AI, pinned); null when there is none. Absent: no proposals.
   */
  propose?(difference: UnfixedDifference): Promise<RunbookProposal | null>;
}

/** Why a difference exists: drift of something recorded, an edit of the configuration, or a removal. */
export const DIFFERENCE_KINDS = ["drift", "config", "delete"] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export const SKIP_REASONS = [
  "policy", // the auto-fix policy does not cover it
  "delete", // deletes are only proposed
  "flapping", // the repair budget for this resource is spent
  "locked", // another run holds the state lock
  "unrepairable", // drift of a type the daemon does not repair
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export const CYCLE_TRIGGERS = ["start", "timer", "change"] as const;
export type CycleTrigger = (typeof CYCLE_TRIGGERS)[number];

/**
 * clean: nothing differs; repaired: everything found was fixed; remaining:
 * something still differs; error: loading, planning or a repair failed;
 * skipped: the state lock was held.
 */
export const CYCLE_STATUSES = ["clean", "repaired", "remaining", "error", "skipped"] as const;
export type CycleStatus = (typeof CYCLE_STATUSES)[number];

const difference = {
  address: v.string(),
  kind: v.picklist(DIFFERENCE_KINDS),
  action: v.string(),
  /** A few words: "modified outside Clockwork", "is new in the configuration". */
  summary: v.string(),
  /** The planner's reasons, in full. */
  reasons: v.array(v.string()),
};

/**
 * The daemon's own events (`clockwork daemon --json` adds `format_version`
 * and passes on the repair's `step_start`/`step_end` and `diagnostic` events).
 */
/** One assertion's outcome, as `assert --json`, apply's and the daemon's `assert_result` events give it. */
export const ASSERTION_RESULT_FIELDS = {
  /** The resource instance (`file.index`) or check (`check.site_up`) it belongs to. */
  address: v.string(),
  kind: v.string(),
  passed: v.boolean(),
  expected: v.string(),
  actual: v.string(),
  message: v.string(),
  duration_ms: v.number(),
};

export const DaemonEventSchema = v.variant("type", [
  v.object({
    type: v.literal("cycle_start"),
    cycle: v.number(),
    trigger: v.picklist(CYCLE_TRIGGERS),
    config_reloaded: v.boolean(),
    time: v.string(),
  }),
  v.object({ type: v.literal("drift"), ...difference, resource_type: v.string() }),
  v.object({
    type: v.literal("repair"),
    ...difference,
    status: v.picklist(["ok", "failed"]),
    /** Why it failed. */
    message: v.optional(v.string()),
    /** Repairs of this resource within the budget window, this one included. */
    repairs_in_window: v.number(),
    assertions: v.object({ passed: v.number(), failed: v.number() }),
  }),
  v.object({
    type: v.literal("skipped"),
    /** Absent when the whole cycle was skipped. */
    address: v.optional(v.string()),
    kind: v.optional(v.picklist(DIFFERENCE_KINDS)),
    action: v.optional(v.string()),
    summary: v.optional(v.string()),
    reasons: v.optional(v.array(v.string())),
    reason: v.picklist([...SKIP_REASONS, "config_error", "plan_error"]),
    message: v.string(),
    /** What a person would run to apply it, quoted for a POSIX shell. */
    proposed: v.optional(v.string()),
    /** With `--propose`: what to do about it, written by the AI (never run by Clockwork). */
    runbook: v.optional(RunbookSchema),
    /** The same skip was already reported by the previous cycle. */
    repeat: v.boolean(),
  }),
  v.object({ type: v.literal("assert_result"), ...ASSERTION_RESULT_FIELDS }),
  v.object({
    type: v.literal("cycle_end"),
    cycle: v.number(),
    status: v.picklist(CYCLE_STATUSES),
    /** Everything that differs: drift, configuration changes and deletes. */
    differences: v.number(),
    /** Of those, drift of recorded resources. */
    drifted: v.number(),
    repaired: v.number(),
    failed: v.number(),
    remaining: v.number(),
    duration_ms: v.number(),
  }),
]);
export type DaemonEvent = v.InferOutput<typeof DaemonEventSchema>;

export type DaemonEventSink = (event: DaemonEvent) => void;
