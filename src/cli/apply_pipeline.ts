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
import { containsUnknown, type Diagnostic, type Value } from "../hcl/mod.ts";
import { type Change, deposedAddress, type Plan, planDocument, renderPlan } from "../plan/mod.ts";
import {
  applyJournal,
  digestAttributes,
  emptyState,
  hostName,
  type JournalEntry,
  type State,
  type StateResource,
  type StateStore,
} from "../state/mod.ts";
import { type StateSettings, withStateStore } from "./state_backend.ts";
import type { CommandContext } from "./commands/_types.ts";
import {
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
  /** The configuration the plan came from (assertions read it); null for a plan file without one. */
  readonly config: Config | null;
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
    try {
      const recovered = await store.recover();
      ctx.reportDiagnostics(recovered);
      if (hasErrors(recovered)) return 1;
      return await run(store);
    } finally {
      await store.unlock();
    }
  }, (diagnostics) => {
    ctx.reportDiagnostics(diagnostics);
    return 1;
  });
}

/** What state records for a resource after its create/update step. */
export function stateResourceOf(
  change: Change,
  observed: Record<string, unknown> | null,
): StateResource | null {
  const r = change.resource;
  if (!r) return null;
  return {
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
    const current = withCurrentLifecycle(base, plan);
    // Nothing to run. Record new outputs, config digest or lifecycle flags only when they moved.
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
    summarize(ctx, events, options.command, plan, [], false);
    if (!events && options.command === "apply" && outputsChanged) printOutputs(ctx, outputs);
    return 0;
  }

  const approved = await approve(ctx.io, {
    command: options.command,
    autoApprove: options.autoApprove,
    question: options.command === "destroy"
      ? "Do you really want to destroy these resources?"
      : "Do you want to perform these actions?",
  });
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
  const changes = new Map(plan.changes.map((c) => [c.address, c]));
  const runId = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z") + "-" +
    crypto.randomUUID().slice(0, 8);
  const logDir = join(options.rootDir, ".clockwork", "logs", runId);
  const controller = new AbortController();
  const killer = new AbortController();
  const onInterrupt = () => {
    if (!controller.signal.aborted) {
      ctx.io.stderr(
        "\nInterrupt received: no new steps will start; waiting for running steps to finish " +
          "(interrupt again to stop them)…\n",
      );
      controller.abort();
    } else if (!killer.signal.aborted) {
      ctx.io.stderr("\nSecond interrupt: stopping the running steps…\n");
      killer.abort();
    }
  };
  let listening = false;
  try {
    Deno.addSignalListener("SIGINT", onInterrupt);
    listening = true;
  } catch { /* signals unsupported here */ }
  const display = !events && ctx.io.progress ? progress(ctx.io) : null;
  const total = compiled.value.steps.length;
  let finished = 0;
  let running = 0;
  const started = performance.now();
  let result;
  const secrets = sensitiveValues(options.config, plan);
  const mask = (text: string) =>
    secrets.reduce(
      (out, secret) => secret === "" ? out : out.replaceAll(secret, "(sensitive)"),
      text,
    );
  using remote = new RemoteRunners(
    options.rootDir,
    options.config?.hosts ?? [],
    secrets,
    killer.signal,
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
      signal: controller.signal,
      killSignal: killer.signal,
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
            const resource = stateResourceOf(change, observed);
            if (resource) await recorder.record({ t: "put", resource });
          }
        }
        reportStep(ctx, events, r, mask);
        display?.update(`${options.command}: ${finished}/${total} done, ${running} running`);
      },
    });
  } finally {
    if (listening) Deno.removeSignalListener("SIGINT", onInterrupt);
    display?.done();
  }
  ctx.reportDiagnostics(result.diagnostics);

  const success = result.failed.length === 0 && !result.interrupted &&
    !hasErrors(result.diagnostics);
  const after = withCurrentLifecycle(applyJournal(base, recorder.entries), plan);
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
  // Assertions before the summary, so that the summary is the last event of the stream.
  const assertions = applied ? await runApplyAssertions(ctx, options, plan, events) : null;
  summarize(ctx, events, options.command, plan, result.results, true, performance.now() - started);
  if (!applied) return 1;
  if (assertions !== null && assertions.failed > 0) return 3;
  if (!events && options.command === "apply") printOutputs(ctx, outputs);
  return 0;
}

/**
 * Runs the assertions of what this apply created, updated or replaced, plus
 * every `check` block, emitting `assert_result` events with `--json`.
 * Returns `{failed}` (failed > 0 → exit 3), or null when nothing ran.
 */
async function runApplyAssertions(
  ctx: CommandContext,
  options: RunPlanOptions,
  plan: Plan,
  events: EventWriter | null,
): Promise<{ failed: number } | null> {
  if (options.command !== "apply" || options.config === null) return null;
  const applied = plan.changes
    .filter((c) => c.action !== "no-op" && c.action !== "delete")
    .map((c) => c.address);
  const run = await runResourceAssertions(options.config, applied, {
    ...(events ? { onResult: (r) => events.emit("assert_result", { ...r }) } : {}),
  });
  if (run.results.length === 0) return null;
  if (!events) ctx.io.stdout(renderAssertionResults(ctx.io, run.results));
  return { failed: run.summary.failed };
}

/** Every sensitive string we know of: sensitive variables and sensitive resource attributes. */
function sensitiveValues(config: Config | null, plan: Plan): string[] {
  const out = new Set<string>();
  const collect = (value: unknown) => {
    if (typeof value === "string") out.add(value);
    else if (typeof value === "number") out.add(String(value));
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === "object") Object.values(value).forEach(collect);
  };
  for (const variable of Object.values(config?.variables ?? {})) {
    if (variable.sensitive) collect(variable.value);
  }
  for (const change of plan.changes) {
    for (const r of [change.resource, change.prior]) {
      for (const name of r?.sensitiveAttributes ?? []) collect(r!.attributes[name]);
    }
  }
  return [...out];
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

function reportStep(
  ctx: CommandContext,
  events: EventWriter | null,
  r: StepResult,
  mask: (text: string) => string,
): void {
  const message = r.message === null ? null : mask(r.message);
  if (events) {
    events.stepEnd(r.step.address, r.status, r.durationMs, {
      action: r.step.action,
      step: r.step.id,
      ...(message ? { message } : {}),
      ...(r.logPath ? { log: r.logPath } : {}),
    });
    return;
  }
  if (r.status === "ok") {
    // A message on success says what was deliberately left alone (e.g. a directory it did not create).
    ctx.io.stdout(
      `${r.step.address}: ${VERB[r.step.action]} (${formatMs(r.durationMs)})${
        r.message ? `; ${r.message}` : ""
      }\n`,
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

function summarize(
  ctx: CommandContext,
  events: EventWriter | null,
  command: "apply" | "destroy",
  plan: Plan,
  results: readonly StepResult[],
  ran: boolean,
  durationMs = 0,
): void {
  const ok = new Set(results.filter((r) => r.status === "ok").map((r) => r.step.id));
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
  if (events) {
    events.emit("summary", { ...counts, failed, skipped, duration_ms: Math.round(durationMs) });
    return;
  }
  if (!ran) return; // the rendered plan already said "No changes."
  const head = failed > 0 || skipped > 0
    ? `${command === "destroy" ? "Destroy" : "Apply"} failed`
    : `${command === "destroy" ? "Destroy" : "Apply"} complete`;
  const parts = command === "destroy"
    ? `${counts.deleted} destroyed`
    : `${counts.created} created, ${counts.updated} updated, ${counts.replaced} replaced, ${counts.deleted} destroyed`;
  const extra = (failed ? `, ${failed} failed` : "") + (skipped ? `, ${skipped} not started` : "");
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
