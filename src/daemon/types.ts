/**
 * The daemon's contract with its caller: the options, the pipeline stages it
 * is handed (so the loop never imports the CLI), and the events it reports.
 */
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

/** Resource types whose drift the daemon repairs (the ones src/exec can observe). */
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
  /** Set when the state lock was held by someone else: nothing ran. */
  readonly lockedBy: string | null;
  /** One entry per address with steps in the plan. */
  readonly results: readonly StepOutcome[];
  /** Problems not tied to a step (bundle validation, refusals); already reported. */
  readonly failed: boolean;
}

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
  lockHolder(config: Config): string | null;
  /** Takes the lock, runs the plan (compile, execute, record state), releases the lock. */
  apply(config: Config, plan: Plan, state: State | null): Promise<ApplyOutcome>;
  /** Runs the assertions of these resources against what is live now. */
  assert(config: Config, addresses: readonly string[]): Promise<AssertionResult[]>;
  /** Diagnostics for the user (rendered or streamed by the caller). */
  report(diagnostics: readonly Diagnostic[]): void;
}

/** Why a difference exists: drift of something recorded, an edit of the configuration, or a removal. */
export type DifferenceKind = "drift" | "config" | "delete";

export type SkipReason =
  | "policy" // the auto-fix policy does not cover it
  | "delete" // deletes are only proposed
  | "flapping" // the repair budget for this resource is spent
  | "locked" // another run holds the state lock
  | "unrepairable"; // drift of a type the daemon does not repair

export type CycleTrigger = "start" | "timer" | "change";
export type CycleStatus = "clean" | "repaired" | "remaining" | "error" | "skipped";

export type DaemonEvent =
  | {
    readonly type: "cycle_start";
    readonly cycle: number;
    readonly trigger: CycleTrigger;
    readonly config_reloaded: boolean;
    readonly time: string;
  }
  | {
    readonly type: "drift";
    readonly address: string;
    readonly resource_type: string;
    readonly kind: DifferenceKind;
    readonly action: string;
    /** A few words: "modified outside Clockwork", "is new in the configuration". */
    readonly summary: string;
    readonly reasons: readonly string[];
  }
  | {
    readonly type: "repair";
    readonly address: string;
    readonly kind: DifferenceKind;
    readonly action: string;
    readonly status: "ok" | "failed";
    readonly summary: string;
    readonly reasons: readonly string[];
    readonly message?: string;
    /** Repairs of this resource within the budget window, this one included. */
    readonly repairs_in_window: number;
    readonly assertions: { readonly passed: number; readonly failed: number };
  }
  | {
    readonly type: "skipped";
    /** Absent when the whole cycle was skipped. */
    readonly address?: string;
    readonly kind?: DifferenceKind;
    readonly action?: string;
    readonly reason: SkipReason | "config_error" | "plan_error";
    readonly message: string;
    readonly summary?: string;
    readonly reasons?: readonly string[];
    /** What a person would run to apply it. */
    readonly proposed?: string;
    /** The same skip was already reported by the previous cycle. */
    readonly repeat: boolean;
  }
  | {
    readonly type: "assert_result";
    readonly address: string;
    readonly kind: string;
    readonly passed: boolean;
    readonly expected: string;
    readonly actual: string;
    readonly message: string;
    readonly duration_ms: number;
  }
  | {
    readonly type: "cycle_end";
    readonly cycle: number;
    /**
     * clean: nothing differs; repaired: everything found was fixed; remaining:
     * something still differs; error: loading, planning or a repair failed;
     * skipped: the state lock was held.
     */
    readonly status: CycleStatus;
    /** Everything that differs: drift, configuration changes and deletes. */
    readonly differences: number;
    /** Of those, drift of recorded resources. */
    readonly drifted: number;
    readonly repaired: number;
    readonly failed: number;
    readonly remaining: number;
    readonly duration_ms: number;
  };

export type DaemonEventSink = (event: DaemonEvent) => void;
