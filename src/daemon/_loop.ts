/**
 * The daemon loop: wake (timer or file change) → reload the configuration if
 * it changed → plan with observation → classify → apply what the policy and
 * the budget allow → assertions → report. The state lock is taken only for
 * the repair itself.
 */
import { resolve } from "node:path";
import type { Config } from "../config/mod.ts";
import type { Diagnostic } from "../hcl/mod.ts";
import type { Plan } from "../plan/mod.ts";
import { RepairBudget } from "./_budget.ts";
import { decide, type Decision, describe, differences, subsetPlan } from "./_policy.ts";
import { configFingerprint, FileWatcher, Waker } from "./_watch.ts";
import type {
  CycleStatus,
  CycleTrigger,
  DaemonEvent,
  DaemonEventSink,
  DaemonOptions,
  DaemonPipeline,
  RunbookProposal,
  UnfixedDifference,
} from "./types.ts";

export const HOUR_MS = 3_600_000;
const DEFAULT_DEBOUNCE_MS = 300;

/** Exit codes of `daemon --once` (and of each cycle). */
export const EXIT = { clean: 0, error: 1, remaining: 2, assertions: 3 } as const;

function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

function diagnosticKey(d: Diagnostic): string {
  return JSON.stringify([d.severity, d.code, d.summary, d.address ?? null, d.detail ?? null]);
}

/**
 * Runs cycles until `options.signal` aborts (returning 0 after the current
 * cycle), or exactly one with `options.once` (returning its exit code).
 */
export async function runDaemon(
  options: DaemonOptions,
  pipeline: DaemonPipeline,
  emit: DaemonEventSink,
): Promise<number> {
  const daemon = new Daemon(options, pipeline, emit);
  const waker = new Waker();
  const watching = options.watch ?? !options.once;
  const watcher = watching ? new FileWatcher(options.dir, waker) : null;
  daemon.onManaged = (paths) => watcher?.setManaged(paths);
  try {
    let trigger: CycleTrigger = "start";
    for (let n = 1;; n++) {
      const code = await daemon.cycle(n, trigger, waker.takeConfigChanged());
      if (options.once) return code;
      const woke = await waker.wait(
        options.intervalMs,
        options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
        options.signal,
      );
      if (woke === "stop") return 0;
      trigger = woke;
    }
  } finally {
    watcher?.close();
  }
}

type EndCycle = (
  status: CycleStatus,
  counts?: Partial<Record<"differences" | "drifted" | "repaired" | "failed" | "remaining", number>>,
) => void;

class Daemon {
  readonly budget: RepairBudget;
  /** Told the absolute paths of managed files and directories after each plan (the watcher wakes on them). */
  onManaged: (paths: ReadonlySet<string>) => void = () => {};
  #config: Config | undefined;
  #fingerprint = "";
  #reportedBefore = new Set<string>();
  #reportedNow = new Set<string>();
  #skippedBefore = new Set<string>();
  #skippedNow = new Set<string>();

  constructor(
    readonly options: DaemonOptions,
    readonly pipeline: DaemonPipeline,
    readonly emit: DaemonEventSink,
  ) {
    this.budget = new RepairBudget(
      Math.max(0, options.maxRepairs),
      options.budgetWindowMs ?? HOUR_MS,
      options.historyPath ?? null,
    );
  }

  /** Diagnostics a long-running daemon already showed last cycle are not repeated. */
  #report(diagnostics: readonly Diagnostic[]): void {
    const fresh = diagnostics.filter((d) => {
      const key = diagnosticKey(d);
      this.#reportedNow.add(key);
      return !this.#reportedBefore.has(key);
    });
    if (fresh.length) this.pipeline.report(fresh);
  }

  /** A failed proposal is reported and the difference still reported without one. */
  async #propose(difference: UnfixedDifference): Promise<RunbookProposal | null> {
    if (!this.pipeline.propose) return null;
    try {
      return await this.pipeline.propose(difference);
    } catch (error) {
      this.#report([{
        severity: "warning",
        code: "CW5301",
        summary: `no runbook for ${difference.address}: ${
          error instanceof Error ? error.message : error
        }`,
      }]);
      return null;
    }
  }

  #skip(event: Omit<Extract<DaemonEvent, { type: "skipped" }>, "type" | "repeat">): void {
    const key = `${event.address ?? ""}\0${event.reason}\0${event.message}`;
    this.#skippedNow.add(key);
    this.emit({ type: "skipped", ...event, repeat: this.#skippedBefore.has(key) });
  }

  async cycle(n: number, trigger: CycleTrigger, configTouched: boolean): Promise<number> {
    this.#reportedBefore = this.#reportedNow;
    this.#reportedNow = new Set();
    this.#skippedBefore = this.#skippedNow;
    this.#skippedNow = new Set();
    const started = performance.now();
    const end: EndCycle = (status, counts = {}) =>
      this.emit({
        type: "cycle_end",
        cycle: n,
        status,
        differences: counts.differences ?? 0,
        drifted: counts.drifted ?? 0,
        repaired: counts.repaired ?? 0,
        failed: counts.failed ?? 0,
        remaining: counts.remaining ?? 0,
        duration_ms: Math.round(performance.now() - started),
      });

    const reload = this.#config === undefined || configTouched ||
      configFingerprint(this.options.dir, this.#config.files) !== this.#fingerprint;
    this.emit({
      type: "cycle_start",
      cycle: n,
      trigger,
      config_reloaded: reload,
      time: new Date().toISOString(),
    });
    try {
      if (reload) {
        const loaded = await this.pipeline.load();
        this.#report(loaded.diagnostics);
        this.#config = loaded.config && !hasErrors(loaded.diagnostics) ? loaded.config : undefined;
        this.#fingerprint = this.#config
          ? configFingerprint(this.options.dir, this.#config.files)
          : "";
      }
      const config = this.#config;
      if (!config) {
        this.#skip({
          reason: "config_error",
          message: "the configuration has errors; nothing is checked until it is fixed",
        });
        end("error");
        return EXIT.error;
      }

      const holder = this.pipeline.lockHolder(config);
      if (holder !== null) {
        this.#skip({
          reason: "locked",
          message: `the state is locked by ${holder.description}; skipping this cycle`,
        });
        // A live holder finishes and the next cycle goes on; a dead one's lock
        // never frees, so that is an error a person must see (force-unlock).
        if (holder.stale) {
          end("error");
          return EXIT.error;
        }
        end("skipped");
        return EXIT.clean;
      }

      const planned = await this.pipeline.plan(config);
      this.#report(planned.diagnostics);
      if (!planned.plan || hasErrors(planned.diagnostics)) {
        this.#skip({ reason: "plan_error", message: "planning failed; nothing was repaired" });
        end("error");
        return EXIT.error;
      }
      return await this.#handle(config, planned.plan, planned.state, end);
    } catch (error) {
      // A bug must not take a long-running daemon down with it: report it and try again next cycle.
      this.pipeline.report([{
        severity: "error",
        code: "CW5300",
        summary: `daemon cycle ${n} failed: ${error instanceof Error ? error.message : error}`,
      }]);
      end("error");
      return EXIT.error;
    }
  }

  async #handle(
    config: Config,
    plan: Plan,
    state: Parameters<DaemonPipeline["apply"]>[2],
    end: EndCycle,
  ): Promise<number> {
    this.onManaged(managedPathsOf(plan, config.rootDir));
    const found = differences(plan);
    for (const { change, kind } of found) {
      this.emit({
        type: "drift",
        address: change.address,
        resource_type: change.type,
        kind,
        action: change.action,
        summary: describe(change, kind),
        reasons: change.reasons,
      });
    }
    const drifted = found.filter((d) => d.kind === "drift").length;
    const now = Date.now();
    const decisions = decide(found, this.options.autoFix, this.budget, now);
    const chosen = decisions.filter((d) => d.apply);
    let remaining = 0;
    let repaired = 0;
    let failed = 0;
    let assertionsFailed = 0;
    let applyFailed = false;

    if (chosen.length) {
      const addresses = new Set(chosen.map((d) => d.difference.change.address));
      const everything = this.options.autoFix === "all" && chosen.length === found.length;
      // Applying all of it is a real apply (configuration digest and outputs recorded);
      // anything less is a targeted run of just those changes.
      const repairPlan = everything ? plan : subsetPlan(plan, addresses, state);
      const outcome = await this.pipeline.apply(config, repairPlan, state);
      // Every attempt that ran counts against the budget, failed ones too: a
      // repair that keeps failing is as much a loop as one that keeps being undone.
      if (outcome.busy === null) this.budget.record([...addresses], now);
      if (outcome.busy !== null) {
        for (const d of chosen) {
          this.#skip({
            address: d.difference.change.address,
            kind: d.difference.kind,
            action: d.difference.change.action,
            summary: describe(d.difference.change, d.difference.kind),
            reason: "locked",
            message: `${outcome.busy}; not repaired this cycle`,
            reasons: d.difference.change.reasons,
          });
        }
        remaining += chosen.length;
      } else {
        applyFailed = outcome.failed;
        const results = new Map(outcome.results.map((r) => [r.address, r]));
        const ok = chosen.map((d) => d.difference.change.address)
          .filter((a) => results.get(a)?.status === "ok");
        const assertions = ok.length ? await this.pipeline.assert(config, ok) : [];
        const tally = new Map<string, { passed: number; failed: number }>();
        for (const r of assertions) {
          this.emit({ type: "assert_result", ...r });
          const t = tally.get(r.address) ?? { passed: 0, failed: 0 };
          r.passed ? t.passed++ : t.failed++;
          tally.set(r.address, t);
          if (!r.passed) assertionsFailed++;
        }
        for (const d of chosen) {
          const { change, kind } = d.difference;
          const result = results.get(change.address);
          const status = result?.status ?? "failed";
          if (status === "ok") repaired++;
          else {
            failed++;
            remaining++;
          }
          this.emit({
            type: "repair",
            address: change.address,
            kind,
            action: change.action,
            status,
            summary: describe(change, kind),
            reasons: change.reasons,
            ...(status === "failed"
              ? { message: result?.message ?? "the repair did not run" }
              : {}),
            repairs_in_window: this.budget.count(change.address, now),
            assertions: tally.get(change.address) ?? { passed: 0, failed: 0 },
          });
        }
      }
    }

    for (const d of decisions) {
      if (d.apply) continue;
      const skipped = d as Extract<Decision, { apply: false }>;
      const { change, kind } = skipped.difference;
      remaining++;
      const summary = describe(change, kind);
      const runbook = await this.#propose({
        address: change.address,
        resourceType: change.type,
        kind,
        action: change.action,
        summary,
        reasons: change.reasons,
        why: skipped.message,
        attributes: change.after ?? change.before,
      });
      this.#skip({
        address: change.address,
        kind,
        action: change.action,
        reason: skipped.reason,
        message: skipped.message,
        summary,
        reasons: change.reasons,
        ...(skipped.proposed ? { proposed: skipped.proposed } : {}),
        ...(runbook ? { runbook } : {}),
      });
    }

    const counts = { differences: found.length, drifted, repaired, failed, remaining };
    if (failed > 0 || applyFailed) {
      end("error", counts);
      return EXIT.error;
    }
    end(remaining > 0 ? "remaining" : repaired > 0 ? "repaired" : "clean", counts);
    if (assertionsFailed > 0) return EXIT.assertions;
    return remaining > 0 ? EXIT.remaining : EXIT.clean;
  }
}

/** Where recorded and desired files and directories live, so the watcher can wake on them. */
function managedPathsOf(plan: Plan, rootDir: string): Set<string> {
  const paths = new Set<string>();
  for (const change of plan.changes) {
    if (change.type !== "file" && change.type !== "directory") continue;
    for (const attributes of [change.prior?.attributes, change.resource?.attributes]) {
      const path = attributes?.path;
      if (typeof path === "string" && path !== "") {
        paths.add(resolve(change.resource?.moduleDir || rootDir, path));
      }
    }
  }
  return paths;
}
