/**
 * The second half of `apply` and `destroy`: plan → confirmation → compile →
 * validate → execute → record state after every step → assertions → summary.
 * The state lock is held for the whole run by `withStateLock`.
 */
import { join } from "node:path";
import type { Config } from "../config/mod.ts";
import { observe, OBSERVERS, runBundle, type StepResult } from "../exec/mod.ts";
import {
  buildDirOf,
  compileBundle,
  validateBundle,
  verifyWrittenBundle,
  writeBundle,
} from "../forge/mod.ts";
import { containsUnknown, type Diagnostic, maskable, maskSecrets, type Value } from "../hcl/mod.ts";
import { type Change, deposedAddress, type Plan, planDocument, renderPlan } from "../plan/mod.ts";
import {
  applyJournal,
  digestAttributes,
  emptyState,
  hostName,
  type JournalEntry,
  sensitiveAttributeTexts,
  type State,
  type StateResource,
  type StateStore,
  textLeaves,
} from "../state/mod.ts";
import { type StateSettings, withStateStore } from "./state_backend.ts";
import type { CommandContext } from "./commands/_types.ts";
import {
  ASSERTION_FAILED_EXIT,
  renderAssertionResults,
  runApplyAssertions as runResourceAssertions,
} from "./commands/assert.ts";
import { approve, type EventWriter, eventWriter, formatValue, progress } from "./views/mod.ts";
import { RemoteRunners } from "./runners.ts";
import { LocalRunner } from "./local_runner.ts";
import { ContainerRunner } from "./container_runner.ts";

export const DEFAULT_PARALLELISM = 10;

export interface RunPlanOptions {
  readonly command: "apply" | "destroy";
  readonly rootDir: string;
  readonly autoApprove: boolean;
  readonly parallelism: number;
  /** The configuration the plan came from (hosts, secrets, assertions); null for a plan file without one. */
  readonly config: Config | null;
  /** false: leave assertions to the caller (the daemon runs its own after a repair). */
  readonly runAssertions?: boolean;
}

/** Whether this run owes and runs the assertions of what it changes. */
function runsAssertions(options: RunPlanOptions): options is RunPlanOptions & { config: Config } {
  return options.command === "apply" && options.config !== null && options.runAssertions !== false;
}

function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** `--parallelism N`: a positive integer, default 10. */
export function parseParallelism(ctx: CommandContext): number | null {
  const raw = ctx.values.parallelism;
  if (raw === undefined) return DEFAULT_PARALLELISM;
  const n = Number(raw);
  if (typeof raw === "string" && /^\d+$/.test(raw) && n >= 1) return n;
  ctx.reportDiagnostics([{
    severity: "error",
    code: "CW9203",
    summary: `--parallelism must be a positive whole number, not ${JSON.stringify(raw)}`,
  }]);
  return null;
}

/**
 * SIGINT (Ctrl-C) and SIGTERM (systemd, a CI cancel, `timeout`) while apply
 * or destroy holds the state lock: both mean "stop", as in Terraform. Left to
 * their default they would kill the process at once, leaving the lock and an
 * uncompacted journal behind for the next run to trip over. The first one
 * stops the run at the next safe point: before any step starts, or, while
 * steps run, no new step starts and the running ones finish and are recorded
 * (CW5104). A second one stops the running steps too; before any step ran it
 * releases the lock and ends the process the way the signal would have.
 */
class RunSignals {
  /** Aborted by the first signal. */
  readonly stop = new AbortController();
  /** Aborted by the second. */
  readonly kill = new AbortController();
  /**
   * What a second signal does: before steps run it ends the process; while
   * they run it stops them; after, state is being recorded and it waits.
   */
  phase: "before" | "steps" | "after" = "before";
  readonly #listeners: [Deno.Signal, () => void][] = [];

  constructor(
    private readonly ctx: CommandContext,
    signals: readonly Deno.Signal[],
    private readonly release: () => Promise<unknown> = () => Promise.resolve(),
  ) {
    for (const signal of signals) {
      const listener = () => this.#received(signal);
      try {
        Deno.addSignalListener(signal, listener);
        this.#listeners.push([signal, listener]);
      } catch { /* signals unsupported here */ }
    }
  }

  #received(signal: Deno.Signal): void {
    const what = signal === "SIGINT" ? "Interrupt" : signal;
    const again = signal === "SIGINT" ? "interrupt" : signal;
    if (!this.stop.signal.aborted) {
      const then = {
        before: "stopping before any step starts…",
        steps: "no new steps will start; waiting for running steps to finish " +
          "(interrupt again to stop them)…",
        after: "recording the finished steps first…",
      }[this.phase];
      this.ctx.io.stderr(`\n${what} received: ${then}\n`);
      this.stop.abort();
    } else if (!this.kill.signal.aborted) {
      this.kill.abort();
      if (this.phase === "steps") {
        this.ctx.io.stderr(`\nSecond ${again}: stopping the running steps…\n`);
        return;
      }
      if (this.phase === "after") {
        this.ctx.io.stderr(`\nSecond ${again}: recording the finished steps first…\n`);
        return;
      }
      this.ctx.io.stderr(`\nSecond ${again}: quitting now\n`);
      this.dispose();
      // No step has run: nothing is left half recorded. With its listener gone
      // the signal ends the process as it would have without Clockwork's.
      void this.release().finally(() => Deno.kill(Deno.pid, signal));
    }
  }

  dispose(): void {
    for (const [signal, listener] of this.#listeners.splice(0)) {
      Deno.removeSignalListener(signal, listener);
    }
  }
}

/** The signals of the apply or destroy that holds the lock now, if one does. */
let currentSignals: RunSignals | null = null;

/** Commands whose runs stop on SIGINT and SIGTERM (the daemon handles both itself: it finishes its cycle). */
const STOPPABLE = new Set(["apply", "destroy"]);

/**
 * Holds the state lock (through the configured state plugin) while `run`
 * works. A journal left by a killed run is compacted first, so every run
 * starts from one clean document. `settings` is the configuration's
 * `state {}` block (a bare string is a file backend path).
 */
export async function withStateLock(
  ctx: CommandContext,
  rootDir: string,
  settings: StateSettings | string | null,
  command: string,
  run: (backend: StateStore) => Promise<number>,
): Promise<number> {
  const state: StateSettings = settings !== null && typeof settings === "object"
    ? settings
    : { backend: null, path: settings };
  return await withStateStore(rootDir, state, async (store) => {
    // Listening before the lock is taken: a signal in between must not leave it behind.
    const signals = STOPPABLE.has(command)
      ? new RunSignals(ctx, ["SIGINT", "SIGTERM"], () => store.unlock())
      : null;
    const previous = currentSignals;
    if (signals) currentSignals = signals;
    try {
      return await lockedRun(store);
    } finally {
      signals?.dispose();
      currentSignals = previous;
    }
  }, (diagnostics) => {
    ctx.reportDiagnostics(diagnostics);
    return 1;
  });

  async function lockedRun(store: StateStore): Promise<number> {
    const locked = await store.lock({
      pid: Deno.pid,
      host: hostName(),
      command: `clockwork ${command}`,
      started: new Date().toISOString(),
    });
    if (locked.length) {
      ctx.reportDiagnostics(locked);
      return 1;
    }
    let code = 1;
    try {
      const recovered = await store.recover();
      ctx.reportDiagnostics(recovered);
      if (!hasErrors(recovered)) code = await run(store);
    } finally {
      // A lock left behind blocks the next run: saying so is part of this run's result.
      const released = await store.unlock();
      ctx.reportDiagnostics(released);
      if (hasErrors(released) && code === 0) code = 1;
    }
    return code;
  }
}

/**
 * What state records for a resource after its create/update step.
 * `assertionsPending`: its assertions have not run since it changed (they
 * run at the end of this apply, or, should it stop first, at the next one).
 */
export function stateResourceOf(
  change: Change,
  observed: Record<string, unknown> | null,
  assertionsPending = false,
): StateResource | null {
  const r = change.resource;
  if (!r) return null;
  return {
    ...(assertionsPending ? { assertionsPending: true } : {}),
    address: r.address,
    type: r.type,
    module: r.module,
    attributes: r.attributes,
    sensitiveAttributes: r.sensitiveAttributes,
    digest: digestAttributes(r.attributes),
    dependencies: r.dependsOn,
    observed,
    host: r.host,
    preventDestroy: r.lifecycle.preventDestroy,
  };
}

/**
 * Journal appends with group commit: entries recorded while an append is in
 * flight go out together in the next one; every caller's promise resolves
 * only once its entry is durable, and rejects when it could not be recorded
 * (the executor then starts nothing more, CW5105).
 */
class Recorder {
  #pending: JournalEntry[] = [];
  #next: Promise<void> | null = null;
  #inFlight: Promise<void> = Promise.resolve();
  readonly entries: JournalEntry[] = [];
  constructor(private readonly backend: StateStore) {}

  record(entry: JournalEntry): Promise<void> {
    this.#pending.push(entry);
    this.entries.push(entry);
    this.#next ??= this.#inFlight.catch(() => {}).then(() => {
      const batch = this.#pending;
      this.#pending = [];
      this.#next = null;
      return this.backend.appendJournal(batch);
    });
    this.#inFlight = this.#next;
    return this.#next;
  }
}

function knownOutputs(plan: Plan): State["outputs"] {
  const out: State["outputs"] = {};
  for (const [name, o] of Object.entries(plan.outputs)) {
    if (!containsUnknown(o.value as Value)) out[name] = o;
  }
  return out;
}

/**
 * The state with prevent_destroy as the configuration now says for the
 * resources the plan leaves alone: removing the flag (or adding it) changes
 * no attribute, so no step records it, yet a later destroy goes by the state.
 */
function withCurrentLifecycle(state: State, plan: Plan): State {
  if (plan.destroy) return state;
  const current = new Map<string, boolean>();
  for (const c of plan.changes) {
    if (c.action === "no-op" && c.prior && c.resource) {
      current.set(c.address, c.resource.lifecycle.preventDestroy);
    }
  }
  let changed = false;
  const resources = state.resources.map((r) => {
    const flag = current.get(r.address);
    if (flag === undefined || flag === (r.preventDestroy ?? false)) return r;
    changed = true;
    return { ...r, preventDestroy: flag };
  });
  return changed ? { ...state, resources } : state;
}

function preventDestroyDiagnostics(plan: Plan): Diagnostic[] {
  const out: Diagnostic[] = [];
  const deleting = new Set(plan.steps.filter((s) => s.action === "delete").map((s) => s.address));
  for (const change of plan.changes) {
    if (!deleting.has(change.address)) continue;
    if (change.prior?.preventDestroy || change.resource?.lifecycle.preventDestroy) {
      out.push({
        severity: "error",
        code: "CW5030",
        summary: `${change.address} has lifecycle.prevent_destroy set and cannot be destroyed`,
        address: change.address,
        ...(change.resource ? { subject: change.resource.range } : {}),
        notes: [
          change.action === "replace"
            ? "this change replaces it (destroy, then create); change the configuration so it updates in place, or remove prevent_destroy"
            : "remove prevent_destroy from its lifecycle block first if you really mean to destroy it",
        ],
      });
    }
  }
  return out;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

const VERB = {
  create: "created",
  update: "updated",
  delete: "destroyed",
} as const;

/**
 * Runs a plan under a lock the caller holds. Returns the exit code: 0 done,
 * 1 refused or failed or interrupted, 3 assertions failed.
 */
export async function runPlan(
  ctx: CommandContext,
  backend: StateStore,
  plan: Plan,
  state: State | null,
  options: RunPlanOptions,
): Promise<number> {
  const events = ctx.globals.json ? eventWriter(ctx.io) : null;
  // Outside apply and destroy (the daemon) only Ctrl-C stops the steps, as before.
  const ownSignals = currentSignals === null ? new RunSignals(ctx, ["SIGINT"]) : null;
  try {
    return await runPlanUnder(
      ctx,
      backend,
      plan,
      state,
      options,
      events,
      (currentSignals ?? ownSignals)!,
    );
  } finally {
    ownSignals?.dispose();
  }
}

const INTERRUPTED_BEFORE_STEPS: Diagnostic = {
  severity: "error",
  code: "CW5104",
  summary: "Interrupted before any step started",
  detail: "nothing was changed; run the command again to apply the plan",
};

async function runPlanUnder(
  ctx: CommandContext,
  backend: StateStore,
  plan: Plan,
  state: State | null,
  options: RunPlanOptions,
  events: EventWriter | null,
  signals: RunSignals,
): Promise<number> {
  if (signals.stop.signal.aborted) {
    ctx.reportDiagnostics([INTERRUPTED_BEFORE_STEPS]);
    return 1;
  }
  const { format_version: _ignored, ...planBody } = planDocument(plan);
  if (events) events.emit("plan", planBody);
  else ctx.io.stdout(renderPlan(plan, { color: ctx.io.color, priorOutputs: state?.outputs }));

  const refusals = preventDestroyDiagnostics(plan);
  if (refusals.length) {
    ctx.reportDiagnostics(refusals);
    return 1;
  }

  const base = state ?? emptyState();
  // A full destroy clears outputs; a targeted one leaves the others' outputs alone.
  const outputs = plan.destroy ? (plan.targets.length ? base.outputs : {}) : knownOutputs(plan);
  if (plan.steps.length === 0) {
    const digest = plan.destroy ? base.configDigest : plan.configDigest;
    const outputsChanged = JSON.stringify(outputs) !== JSON.stringify(base.outputs);
    // Nothing to run, but the check blocks, and assertions a stopped apply still owes, do.
    const assertions = await runApplyAssertions(ctx, options, plan, events);
    const current = withAssertionsRun(withCurrentLifecycle(base, plan), assertions);
    // Record new outputs, config digest, lifecycle flags or assertions run only when they moved.
    // (A first apply of a configuration with outputs but no resources creates the state.)
    if (
      outputsChanged || current !== base ||
      (state !== null && plan.targets.length === 0 && digest !== base.configDigest)
    ) {
      const written = await backend.compact({
        ...current,
        serial: base.serial + 1,
        outputs,
        configDigest: digest,
      });
      if (hasErrors(written)) {
        ctx.reportDiagnostics(written);
        return 1;
      }
    }
    summarize(ctx, events, options.command, plan, [], null);
    if (assertions !== null && assertions.failed > 0) return ASSERTION_FAILED_EXIT;
    if (!events && options.command === "apply" && outputsChanged) printOutputs(ctx, outputs);
    return 0;
  }

  if (events && !options.autoApprove && !ctx.io.interactive) {
    // The event stream is what a program reads: the refusal is one of its events.
    ctx.reportDiagnostics([{
      severity: "error",
      code: "CW9204",
      summary:
        `clockwork ${options.command} refuses to continue without confirmation: stdin is not a terminal`,
      detail: "pass --auto-approve to proceed",
    }]);
    return 1;
  }
  // A signal during the question answers it: no.
  const interrupted = new Promise<"interrupted">((resolve) => {
    if (signals.stop.signal.aborted) resolve("interrupted");
    signals.stop.signal.addEventListener("abort", () => resolve("interrupted"), { once: true });
  });
  const approved = await Promise.race([
    approve(ctx.io, {
      command: options.command,
      autoApprove: options.autoApprove,
      question: options.command === "destroy"
        ? "Do you really want to destroy these resources?"
        : "Do you want to perform these actions?",
    }),
    interrupted,
  ]);
  if (approved === "interrupted" || signals.stop.signal.aborted) {
    ctx.reportDiagnostics([INTERRUPTED_BEFORE_STEPS]);
    return 1;
  }
  if (!approved) return 1;

  const buildDir = buildDirOf(options.rootDir);
  const compiled = compileBundle(plan, { rootDir: options.rootDir, buildDir });
  const problems = [...compiled.diagnostics, ...validateBundle(compiled.value, plan, buildDir)];
  if (hasErrors(problems)) {
    ctx.reportDiagnostics(problems);
    return 1;
  }
  writeBundle(compiled.value, buildDir, { data: false });
  const written = verifyWrittenBundle(compiled.value, buildDir, { data: false });
  if (hasErrors(written)) {
    ctx.reportDiagnostics(written);
    return 1;
  }

  backend.beginJournal(base);
  const recorder = new Recorder(backend);
  const owesAssertions = addressesWithAssertions(options);
  const changes = new Map(plan.changes.map((c) => [c.address, c]));
  const runId = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z") + "-" +
    crypto.randomUUID().slice(0, 8);
  const logDir = join(options.rootDir, ".clockwork", "logs", runId);
  signals.phase = "steps";
  const display = !events && ctx.io.progress ? progress(ctx.io) : null;
  const total = compiled.value.steps.length;
  let finished = 0;
  let running = 0;
  const started = performance.now();
  let result;
  const secrets = sensitiveValues(options.config, plan);
  const mask = (text: string) => maskSecrets(text, secrets);
  /** Steps that finished but whose journal append failed. */
  const unrecorded = new Set<string>();
  /** Records a finished step durably; rejects when it could not be. */
  const recordStep = async (r: StepResult): Promise<void> => {
    const change = changes.get(r.step.address)!;
    // With create_before_destroy the new instance was recorded under the
    // same address first; removing the old one must not drop it.
    const replacedAfterCreate = change.action === "replace" &&
      change.resource?.lifecycle.createBeforeDestroy === true;
    if (
      r.status === "failed" && r.step.action === "delete" && replacedAfterCreate && change.prior
    ) {
      // The old object is still there: recorded apart, the next plan deletes it again.
      await recorder.record({
        t: "put",
        resource: { ...change.prior, address: deposedAddress(change.address) },
      });
    }
    if (r.status === "ok") {
      if (r.step.action === "delete") {
        if (!replacedAfterCreate) await recorder.record({ t: "rm", address: r.step.address });
      } else {
        const observed = r.observed ?? await observeAfter(change, options.rootDir);
        const resource = stateResourceOf(change, observed, owesAssertions.has(change.address));
        if (resource) await recorder.record({ t: "put", resource });
      }
    }
  };
  using remote = new RemoteRunners(
    options.rootDir,
    options.config?.hosts ?? [],
    secrets,
    signals.kill.signal,
  );
  // Started on the first sandboxed subprocess step only.
  using local = new LocalRunner(options.rootDir);
  // Started on the first container step only.
  using containers = new ContainerRunner(options.rootDir);
  try {
    result = await runBundle(compiled.value, {
      buildDir,
      logDir,
      runRemote: remote.run,
      spawnLocal: local.spawn,
      runContainer: containers.runStep,
      parallelism: options.parallelism,
      signal: signals.stop.signal,
      killSignal: signals.kill.signal,
      redact: secrets,
      onStepStart(step) {
        running++;
        events?.stepStart(step.address, step.action, { step: step.id });
        display?.update(
          `${options.command}: ${finished}/${total} done, ${running} running (${step.address})`,
        );
      },
      async onStepDone(r) {
        running--;
        finished++;
        try {
          await recordStep(r);
        } catch (e) {
          unrecorded.add(r.step.id);
          throw e; // the executor starts nothing more (CW5105)
        } finally {
          reportStep(ctx, events, r, mask, !unrecorded.has(r.step.id));
          display?.update(`${options.command}: ${finished}/${total} done, ${running} running`);
        }
      },
    });
  } finally {
    signals.phase = "after";
    display?.done();
  }
  ctx.reportDiagnostics(result.diagnostics);

  const success = result.failed.length === 0 && !result.interrupted &&
    !hasErrors(result.diagnostics);
  // Every finished step is durable in the journal by now: that is the state the
  // assertions run after. Run before compaction, so that the one write records
  // them as done; a run that stops first leaves them pending for the next apply.
  const assertions = success ? await runApplyAssertions(ctx, options, plan, events) : null;
  const after = withAssertionsRun(
    withCurrentLifecycle(applyJournal(base, recorder.entries), plan),
    assertions,
  );
  const compacted = await backend.compact({
    ...after,
    serial: base.serial + 1,
    outputs: success ? outputs : base.outputs,
    configDigest: success && plan.targets.length === 0
      ? (plan.destroy ? null : plan.configDigest)
      : base.configDigest,
  });
  ctx.reportDiagnostics(compacted);

  for (const failed of result.failed) {
    ctx.reportDiagnostics([{
      severity: "error",
      code: failed.timedOut ? "CW5101" : "CW5100",
      summary: `${failed.step.id} failed: ${mask(failed.message ?? "unknown error")}`,
      address: failed.step.address,
      ...(failed.logPath ? { notes: [`log: ${failed.logPath}`] } : {}),
    }]);
  }
  if (result.interrupted) {
    ctx.reportDiagnostics([{
      severity: "error",
      code: "CW5104",
      summary: "Interrupted: steps that had not started were skipped",
      detail: "finished steps are recorded in state; run the command again to continue",
    }]);
  }
  // Steps never started (after a failure or an interrupt) end too, as "skipped".
  for (const r of result.results) if (r.status === "skipped") reportStep(ctx, events, r, mask);
  // Steps that finished stay in the journal when compaction fails; the next run folds them in.
  const applied = success && !hasErrors(compacted);
  summarize(ctx, events, options.command, plan, result.results, {
    durationMs: performance.now() - started,
    applied,
    // A step whose append failed is still in the compacted document when that write succeeds.
    unrecorded: hasErrors(compacted) ? unrecorded : new Set(),
  });
  if (!applied) return 1;
  if (assertions !== null && assertions.failed > 0) return ASSERTION_FAILED_EXIT;
  if (!events && options.command === "apply") printOutputs(ctx, outputs);
  return 0;
}

/** What an apply's assertion phase did: which resources' assertions it ran, and how many failed. */
interface AssertionsRun {
  readonly addresses: ReadonlySet<string>;
  readonly failed: number;
}

/**
 * The resources whose assertions an apply owes once their step is recorded:
 * those with `assert` blocks. Only apply runs assertions, and only with the
 * configuration that declares them (the daemon runs its own).
 */
function addressesWithAssertions(options: RunPlanOptions): ReadonlySet<string> {
  if (!runsAssertions(options)) return new Set();
  return new Set(
    options.config.resources.filter((r) => r.asserts.length > 0).map((r) => r.address),
  );
}

/**
 * Runs the assertions this apply owes, plus every `check` block, emitting
 * `assert_result` events with `--json` and the table otherwise. Owed: those
 * of what it created, updated or replaced, and those of resources in the
 * plan that state still marks `assertionsPending` (changed by an apply that
 * stopped before its assertions ran). Null when this run has none to run
 * (destroy, or no configuration).
 */
async function runApplyAssertions(
  ctx: CommandContext,
  options: RunPlanOptions,
  plan: Plan,
  events: EventWriter | null,
): Promise<AssertionsRun | null> {
  if (!runsAssertions(options)) return null;
  const owed = new Set(
    plan.changes
      .filter((c) =>
        c.action === "create" || c.action === "update" || c.action === "replace" ||
        (c.action === "no-op" && c.prior?.assertionsPending === true)
      )
      .map((c) => c.address),
  );
  const run = await runResourceAssertions(options.config, [...owed], {
    ...(events ? { onResult: (r) => events.emit("assert_result", { ...r }) } : {}),
  });
  if (!events && run.results.length > 0) {
    ctx.io.stdout(renderAssertionResults(ctx.io, run.results));
  }
  return { addresses: owed, failed: run.summary.failed };
}

/** The state with the pending mark cleared from every resource whose assertions just ran. */
function withAssertionsRun(state: State, run: AssertionsRun | null): State {
  if (run === null) return state;
  let changed = false;
  const resources = state.resources.map((r) => {
    if (r.assertionsPending !== true || !run.addresses.has(r.address)) return r;
    changed = true;
    const { assertionsPending: _done, ...rest } = r;
    return rest;
  });
  return changed ? { ...state, resources } : state;
}

/**
 * The texts masked in this run's messages and logs: sensitive variables'
 * values and the values of resource attributes that are sensitive
 * themselves (src/state/_secrets.ts says which, and how short is too short).
 */
function sensitiveValues(config: Config | null, plan: Plan): string[] {
  const known: string[] = [];
  for (const variable of Object.values(config?.variables ?? {})) {
    if (variable.sensitive) known.push(...textLeaves(variable.value));
  }
  const all = [...known];
  for (const change of plan.changes) {
    for (const r of [change.resource, change.prior]) {
      if (r) all.push(...sensitiveAttributeTexts(r, known));
    }
  }
  return maskable(all);
}

async function observeAfter(
  change: Change,
  rootDir: string,
): Promise<Record<string, unknown> | null> {
  const r = change.resource;
  if (!r || !OBSERVERS[r.type]) return null;
  const [seen] = await observe([{ address: r.address, type: r.type, attributes: r.attributes }], {
    baseDir: r.moduleDir || rootDir,
  });
  return seen?.exists ? seen.attributes : null;
}

const FAILED_OUTPUT_LINES = 15;
const TAIL_BYTES = 16 * 1024;

/** The last `count` lines of a step's log (its output, masked), read from the end. */
function logTail(path: string, count: number): string[] {
  try {
    using file = Deno.openSync(path, { read: true });
    const size = file.statSync().size;
    const start = Math.max(0, size - TAIL_BYTES);
    file.seekSync(start, Deno.SeekMode.Start);
    const buffer = new Uint8Array(size - start);
    let read = 0;
    while (read < buffer.length) {
      const n = file.readSync(buffer.subarray(read));
      if (n === null) break;
      read += n;
    }
    const lines = new TextDecoder().decode(buffer.subarray(0, read)).split("\n");
    if (start > 0) lines.shift(); // a partial first line
    while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
    return lines.slice(-count);
  } catch {
    return []; // no log to show; the path is printed above
  }
}

/** `recorded`: false when the step finished but state could not record it (CW5105). */
function reportStep(
  ctx: CommandContext,
  events: EventWriter | null,
  r: StepResult,
  mask: (text: string) => string,
  recorded = true,
): void {
  const message = r.message === null ? null : mask(r.message);
  if (events) {
    events.stepEnd(r.step.address, r.status, r.durationMs, {
      action: r.step.action,
      step: r.step.id,
      ...(message ? { message } : {}),
      ...(r.logPath ? { log: r.logPath } : {}),
      ...(recorded ? {} : { recorded: false }),
    });
    return;
  }
  if (r.status === "ok") {
    // A message on success says what was deliberately left alone (e.g. a directory it did not create).
    ctx.io.stdout(
      `${r.step.address}: ${VERB[r.step.action]} (${formatMs(r.durationMs)})${
        r.message ? `; ${message}` : ""
      }${recorded ? "" : ", but NOT recorded in state"}\n`,
    );
  } else if (r.status === "failed") {
    ctx.io.stdout(
      `${r.step.address}: ${r.step.action} FAILED: ${message}${
        r.logPath ? ` (log: ${r.logPath})` : ""
      }\n`,
    );
    // What the step said last is usually why it failed (the log is masked already).
    const tail = r.logPath ? logTail(r.logPath, FAILED_OUTPUT_LINES) : [];
    for (const line of tail) ctx.io.stdout(`  │ ${line}\n`);
  } else {
    ctx.io.stdout(`${r.step.address}: ${r.step.action} skipped (not started)\n`);
  }
}

/** How a run that executed steps ended, beyond its step results. */
interface RunOutcome {
  readonly durationMs: number;
  /** False when the run exits non-zero although no step failed (state not written, …). */
  readonly applied: boolean;
  /** Steps that finished but are in no state record: they run again next time. */
  readonly unrecorded: ReadonlySet<string>;
}

function summarize(
  ctx: CommandContext,
  events: EventWriter | null,
  command: "apply" | "destroy",
  plan: Plan,
  results: readonly StepResult[],
  outcome: RunOutcome | null,
): void {
  const unrecorded = outcome?.unrecorded ?? new Set<string>();
  const ok = new Set(
    results.filter((r) => r.status === "ok" && !unrecorded.has(r.step.id)).map((r) => r.step.id),
  );
  const stepsOf = new Map<string, string[]>();
  for (const s of plan.steps) {
    if (!stepsOf.has(s.address)) stepsOf.set(s.address, []);
    stepsOf.get(s.address)!.push(s.id);
  }
  const counts = { created: 0, updated: 0, replaced: 0, deleted: 0 };
  for (const change of plan.changes) {
    const ids = stepsOf.get(change.address) ?? [];
    if (ids.length === 0 || !ids.every((id) => ok.has(id))) continue;
    if (change.action === "create") counts.created++;
    else if (change.action === "update") counts.updated++;
    else if (change.action === "replace") counts.replaced++;
    else if (change.action === "delete") counts.deleted++;
  }
  const failed = results.filter((r) => r.status === "failed").length;
  const skipped = results.filter((r) => r.status === "skipped").length;
  const durationMs = outcome?.durationMs ?? 0;
  if (events) {
    events.emit("summary", {
      ...counts,
      failed,
      skipped,
      ...(unrecorded.size > 0 ? { not_recorded: unrecorded.size } : {}),
      duration_ms: Math.round(durationMs),
    });
    return;
  }
  if (outcome === null) return; // the rendered plan already said "No changes."
  const noun = command === "destroy" ? "Destroy" : "Apply";
  const head = failed > 0 || skipped > 0 || !outcome.applied
    ? `${noun} failed`
    : `${noun} complete`;
  const parts = command === "destroy"
    ? `${counts.deleted} destroyed`
    : `${counts.created} created, ${counts.updated} updated, ${counts.replaced} replaced, ${counts.deleted} destroyed`;
  const extra = (failed ? `, ${failed} failed` : "") + (skipped ? `, ${skipped} not started` : "") +
    (unrecorded.size
      ? `, ${unrecorded.size} ${
        unrecorded.size === 1 ? "step" : "steps"
      } done but not recorded in state (they run again next time)`
      : "");
  ctx.io.stdout(`\n${head}! Resources: ${parts}${extra} (${formatMs(durationMs)}).\n`);
}

function printOutputs(ctx: CommandContext, outputs: State["outputs"]): void {
  const names = Object.keys(outputs).sort();
  if (names.length === 0) return;
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) =>
    `${n.padEnd(width)} = ${outputs[n].sensitive ? "(sensitive)" : formatValue(outputs[n].value)}`
  );
  ctx.io.stdout(`\nOutputs:\n\n${lines.join("\n")}\n`);
}
