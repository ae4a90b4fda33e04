/**
 * `clockwork daemon [DIR] [--interval DURATION] [--once] [--auto-fix drift|all|none] [--max-repairs N] [--propose]`
 *
 * Hands src/daemon the very stages `plan` and `apply` use: the configuration
 * loader, the refreshing planner, the apply pipeline under the state lock
 * (with `--json` events captured so each step's outcome is known), and the
 * assertion runner. Renders the daemon's events as human lines on stderr or
 * as NDJSON on stdout. See docs/DAEMON.md.
 */
import { join, resolve } from "node:path";
import { proposeRunbook, readPins, writePins } from "../../ai/mod.ts";
import type { AssertionResult } from "../../assert/mod.ts";
import type { Config } from "../../config/mod.ts";
import {
  AUTO_FIX_POLICIES,
  type AutoFixPolicy,
  type DaemonEvent,
  type DaemonPipeline,
  type LockHolder,
  parseDuration,
  type RunbookProposal,
  runDaemon,
  type StepOutcome,
  type UnfixedDifference,
} from "../../daemon/mod.ts";
import { buildDirOf } from "../../forge/mod.ts";
import type { Diagnostic } from "../../hcl/mod.ts";
import {
  aiDisabledReason,
  type AiSession,
  forgeScriptCheck,
  openAiSession,
  settingsFor,
} from "../ai.ts";
import { lockHolderDead, readLockInfo, statePaths } from "../../state/mod.ts";
import { DEFAULT_PARALLELISM, runPlan, withStateLock } from "../apply_pipeline.ts";
import { configDir, loadConfiguration, makePlan, readState } from "../pipeline.ts";
import { statePluginName, stateSettingsOf } from "../state_backend.ts";
import { eventWriter, stderrPainter } from "../views/mod.ts";
import { runApplyAssertions } from "./assert.ts";
import type { Command, CommandContext, Io } from "./_types.ts";

const DEFAULT_INTERVAL = "30s";
const DEFAULT_MAX_REPAIRS = 3;
/** Events of the inner apply that the daemon's own stream passes on. */
const FORWARDED = new Set(["step_start", "step_end"]);

interface Flags {
  intervalMs: number;
  autoFix: AutoFixPolicy;
  maxRepairs: number;
  propose: boolean;
}

function flagError(ctx: CommandContext, code: string, summary: string): null {
  ctx.reportDiagnostics([{ severity: "error", code, summary }]);
  return null;
}

function parseFlags(ctx: CommandContext): Flags | null {
  const rawInterval = ctx.values.interval ?? DEFAULT_INTERVAL;
  const intervalMs = typeof rawInterval === "string" ? parseDuration(rawInterval) : null;
  if (intervalMs === null) {
    return flagError(
      ctx,
      "CW9300",
      `--interval takes a duration such as 30s, 5m or 1h, not ${JSON.stringify(rawInterval)}`,
    );
  }
  const rawPolicy = ctx.values["auto-fix"] ?? "drift";
  if (!AUTO_FIX_POLICIES.includes(rawPolicy as AutoFixPolicy)) {
    return flagError(
      ctx,
      "CW9301",
      `--auto-fix takes ${AUTO_FIX_POLICIES.join(", ")}, not ${JSON.stringify(rawPolicy)}`,
    );
  }
  const rawMax = ctx.values["max-repairs"] ?? String(DEFAULT_MAX_REPAIRS);
  if (typeof rawMax !== "string" || !/^\d+$/.test(rawMax)) {
    return flagError(
      ctx,
      "CW9302",
      `--max-repairs takes a whole number, not ${JSON.stringify(rawMax)}`,
    );
  }
  const propose = ctx.values.propose === true;
  if (propose && ctx.globals.noAi) {
    return flagError(
      ctx,
      "CW9304",
      "--propose asks the AI for runbooks; it cannot be used with --no-ai",
    );
  }
  return { intervalMs, autoFix: rawPolicy as AutoFixPolicy, maxRepairs: Number(rawMax), propose };
}

/**
 * Who holds the state lock, before planning a cycle. The pipeline asks
 * synchronously, so only the file backend's lock file can be looked at here;
 * with another backend a held lock shows when the repair takes it (busy).
 */
function lockHolder(config: Config): LockHolder | null {
  const settings = stateSettingsOf(config);
  if (statePluginName(settings.backend) !== "state-file") return null;
  const lockPath = typeof settings.options?.lock_path === "string"
    ? resolve(config.rootDir, settings.options.lock_path)
    : statePaths(config.rootDir, settings.path).lock;
  const info = readLockInfo(lockPath);
  if (!info) return null;
  const who = `pid ${info.pid} on ${info.host} (${info.command}, since ${info.started})`;
  return lockHolderDead(info)
    ? {
      description: `${who}, which is no longer running (run clockwork force-unlock)`,
      stale: true,
    }
    : { description: who, stale: false };
}

/**
 * Runs a plan the way `apply --auto-approve --json` does, with its event
 * stream captured: step outcomes are read from it, step events are passed on
 * in JSON mode, and the plan rendering is dropped (the daemon reports for itself).
 */
async function applyPlan(
  ctx: CommandContext,
  dir: string,
  config: Config,
  plan: Parameters<DaemonPipeline["apply"]>[1],
  state: Parameters<DaemonPipeline["apply"]>[2],
) {
  const outcomes = new Map<string, StepOutcome>();
  const forward = ctx.globals.json ? ctx.io.stdout : null;
  const inner: Io = {
    stdout(text) {
      for (const line of text.split("\n")) {
        if (!line) continue;
        let event: { type?: string; address?: string; status?: string; message?: string };
        try {
          event = JSON.parse(line);
        } catch {
          continue;
        }
        if (event.type === "step_end" && typeof event.address === "string") {
          const before = outcomes.get(event.address);
          if (event.status !== "ok") {
            outcomes.set(event.address, {
              address: event.address,
              status: "failed",
              message: event.message ?? (event.status === "skipped" ? "not started" : "failed"),
            });
          } else if (!before) outcomes.set(event.address, { address: event.address, status: "ok" });
        }
        if (forward && event.type && FORWARDED.has(event.type)) forward(line + "\n");
      }
    },
    stderr: (text) => ctx.io.stderr(text),
    interactive: false,
    color: false,
    progress: false,
    readLine: () => Promise.resolve(null),
  };
  let entered = false;
  let moved = false;
  const beforeLock: Diagnostic[] = [];
  const innerCtx: CommandContext = {
    ...ctx,
    globals: { ...ctx.globals, json: true },
    io: inner,
    reportDiagnostics(diagnostics) {
      if (!entered) beforeLock.push(...diagnostics);
      else ctx.reportDiagnostics(diagnostics);
    },
  };
  const code = await withStateLock(
    innerCtx,
    dir,
    stateSettingsOf(config),
    "daemon",
    async (backend) => {
      entered = true;
      ctx.reportDiagnostics(beforeLock.splice(0));
      // The plan was made without the lock: if a run finished in between, its
      // state must not be overwritten by a repair planned against the old one.
      const current = await readState(config);
      if (
        (current.value?.lineage ?? null) !== (state?.lineage ?? null) ||
        (current.value?.serial ?? 0) !== (state?.serial ?? 0)
      ) {
        moved = true;
        return 0;
      }
      return await runPlan(innerCtx, backend, plan, state, {
        command: "apply",
        rootDir: dir,
        autoApprove: true,
        parallelism: DEFAULT_PARALLELISM,
        // Hosts and secrets come from the configuration; assertions of what
        // was repaired run through the daemon's own call below.
        config,
        runAssertions: false,
      });
    },
  );
  if (!entered) {
    const holder = lockHolder(config)?.description ??
      beforeLock.map((d) => d.summary).join("; ");
    return { busy: `the state is locked by ${holder}`, results: [], failed: false };
  }
  if (moved) {
    return { busy: "the state changed since this cycle's plan", results: [], failed: false };
  }
  return { busy: null, results: [...outcomes.values()], failed: code !== 0 };
}

/**
 * Runbooks from the configured AI for what the daemon leaves alone, pinned in
 * clockwork.lock. The provider's Worker starts on the first proposal and is
 * kept (and restarted when the AI settings change) until the daemon stops.
 */
class RunbookWriter {
  #session: { key: string; value: AiSession } | null = null;

  constructor(readonly ctx: CommandContext, readonly dir: string) {}

  async propose(config: Config, difference: UnfixedDifference): Promise<RunbookProposal | null> {
    const settings = settingsFor(this.ctx, this.dir, config);
    const disabled = aiDisabledReason(this.ctx, settings.value);
    if (disabled) throw new Error(disabled);
    const loaded = readPins(this.dir);
    if (loaded.diagnostics.length > 0) throw new Error(loaded.diagnostics[0]!.summary);
    const session = await this.#sessionFor(settings.value);
    const proposal = await proposeRunbook(difference, {
      provider: session.provider,
      model: settings.value.model,
      pins: loaded.pins,
      checkScript: forgeScriptCheck(buildDirOf(this.dir)),
    });
    if (!proposal.ok) throw new Error(`${proposal.code} ${proposal.summary}: ${proposal.detail}`);
    if (proposal.pinsChanged) writePins(this.dir, proposal.pins);
    this.ctx.log(
      "info",
      `runbook for ${difference.address} ${proposal.fromPin ? "from the pin" : "from the model"}`,
    );
    return { ...proposal.runbook, source: proposal.fromPin ? "pin" : "model" };
  }

  async #sessionFor(settings: Parameters<typeof openAiSession>[1]): Promise<AiSession> {
    const key = JSON.stringify([settings.aiProvider, settings.baseUrl, settings.apiKey ?? ""]);
    if (this.#session?.key === key) return this.#session.value;
    await this.close();
    const opened = await openAiSession(this.dir, settings);
    this.ctx.reportDiagnostics(opened.diagnostics);
    this.#session = { key, value: opened.value };
    return opened.value;
  }

  async close(): Promise<void> {
    const open = this.#session;
    this.#session = null;
    await open?.value.close();
  }
}

function pipelineFor(
  ctx: CommandContext,
  dir: string,
  runbooks: RunbookWriter | null,
): DaemonPipeline {
  let current: Config | undefined;
  return {
    load: () => Promise.resolve(loadConfiguration(ctx, dir)),
    plan: (config) => {
      current = config;
      return makePlan(ctx, config, { refresh: true });
    },
    lockHolder,
    apply: (config, plan, state) => applyPlan(ctx, dir, config, plan, state),
    async assert(config, addresses): Promise<AssertionResult[]> {
      const run = await runApplyAssertions(config, addresses, { includeChecks: false });
      return run.results;
    },
    report: (diagnostics) => ctx.reportDiagnostics(diagnostics),
    ...(runbooks ? { propose: (difference) => runbooks.propose(current!, difference) } : {}),
  };
}

/** Human lines on stderr: one per repaired or skipped difference, the rest only at --log-level info. */
function humanRenderer(ctx: CommandContext, once: boolean): (event: DaemonEvent) => void {
  const paint = stderrPainter(ctx.io);
  const line = (text: string) => ctx.io.stderr(text + "\n");
  const label = (kind: string | undefined) => kind === "drift" ? "drift" : "change";
  return (event) => {
    switch (event.type) {
      case "cycle_start":
        ctx.log("info", `daemon: cycle ${event.cycle} (${event.trigger})`);
        return;
      case "drift":
        return;
      case "repair": {
        const verb = event.kind === "drift" ? "repaired" : "applied";
        const checks = event.assertions.passed + event.assertions.failed;
        const assertions = checks === 0
          ? ""
          : event.assertions.failed === 0
          ? ` (assertions: ${event.assertions.passed} passed)`
          : ` (assertions: ${event.assertions.failed} of ${checks} FAILED)`;
        line(
          `${label(event.kind)}: ${event.address} ${event.summary} → ${
            event.status === "ok"
              ? paint("ok", verb) + assertions
              : paint("error", `repair FAILED: ${event.message ?? "unknown error"}`)
          }`,
        );
        return;
      }
      case "skipped": {
        if (event.repeat) return;
        if (event.address === undefined) {
          line(`daemon: ${event.message}`);
          return;
        }
        const not = event.kind === "drift" ? "not repaired" : "not applied";
        line(
          `${label(event.kind)}: ${event.address} ${event.summary ?? ""} → ${
            paint("warning", `${not}: ${event.message}`)
          }${event.proposed ? ` (to apply it: ${event.proposed})` : ""}`,
        );
        if (event.runbook) { for (const text of runbookLines(event.runbook)) line(text); }
        return;
      }
      case "assert_result":
        if (!event.passed) {
          line(`  assertion ${event.kind} on ${event.address} failed: ${event.message}`);
        }
        return;
      case "cycle_end": {
        if (!once) return;
        const parts = [
          `${event.differences} difference${event.differences === 1 ? "" : "s"}`,
          `${event.repaired} repaired`,
          ...(event.failed ? [`${event.failed} failed`] : []),
          `${event.remaining} left`,
        ];
        line(
          event.status === "clean" ? "daemon: no drift" : `daemon: ${parts.join(", ")}`,
        );
        return;
      }
    }
  };
}

/** A runbook under its difference, indented; it is advice, so it says where it came from. */
export function runbookLines(runbook: RunbookProposal): string[] {
  const origin = runbook.source === "pin" ? "AI, pinned in clockwork.lock" : "AI, now pinned";
  const out = [`  runbook (${origin}; not run by Clockwork): ${runbook.summary}`];
  runbook.steps.forEach((step, i) => {
    out.push(`    ${i + 1}. ${step.description}`);
    if (step.command) out.push(`       $ ${step.command}`);
  });
  if (runbook.cw_patch) {
    out.push("    configuration change:");
    for (const text of runbook.cw_patch.replace(/\n$/, "").split("\n")) out.push(`      ${text}`);
  }
  return out;
}

export const daemonCommand: Command = {
  name: "daemon",
  summary: "watch files and live state; repair drift within the auto-fix policy",
  usage:
    "clockwork daemon [DIR] [--interval DURATION] [--once] [--auto-fix drift|all|none] [--max-repairs N] [--propose]",
  description:
    "Every interval, and soon after a .cw/.cwvars file or a managed file changes, plans with a\n" +
    "refresh and sorts what differs into drift (changed outside Clockwork) and configuration\n" +
    "changes. Drift of files, directories and containers is repaired by applying just those\n" +
    "changes; configuration changes only with --auto-fix all; deletes never (they are proposed).\n" +
    "A resource repaired --max-repairs times within an hour is reported as flapping and left\n" +
    "alone. The state lock is held only while repairing; a cycle that finds it held is skipped.\n" +
    "--once: one cycle; exit 0 when nothing is left different, 1 on an error, 2 when something\n" +
    "is left unrepaired or unapplied, 3 when a repaired resource's assertions fail.\n" +
    "--propose: for each difference left alone, the AI writes a runbook (steps, commands, a .cw\n" +
    "change) shown with it; it is validated, pinned in clockwork.lock and never run.\n" +
    "Otherwise it runs until SIGINT or SIGTERM, finishes the current cycle and exits 0.",
  options: {
    interval: {
      type: "string",
      valueName: "DURATION",
      description: "time between drift checks, e.g. 30s, 5m or 1h (default 30s)",
    },
    once: { type: "boolean", description: "check once, repair, and exit" },
    "auto-fix": {
      type: "string",
      valueName: "POLICY",
      description: "what to apply unasked: drift (default), all, or none",
    },
    "max-repairs": {
      type: "string",
      valueName: "N",
      description: "repairs of one resource per hour before it counts as flapping (default 3)",
    },
    propose: {
      type: "boolean",
      description:
        "ask the AI for a runbook for each difference left alone (pinned in clockwork.lock, never run)",
    },
  },
  positionals: { min: 0, max: 1, names: "[DIR]" },
  output: "stream",
  async run(ctx) {
    const flags = parseFlags(ctx);
    if (!flags) return 1;
    const dir = configDir(ctx);
    let isDirectory = false;
    try {
      isDirectory = Deno.statSync(dir).isDirectory;
    } catch { /* reported below */ }
    if (!isDirectory) {
      flagError(ctx, "CW9303", `${dir} is not a directory`);
      return 1;
    }
    const once = ctx.values.once === true;
    const events = ctx.globals.json ? eventWriter(ctx.io) : null;
    const human = humanRenderer(ctx, once);
    const emit = (event: DaemonEvent) => {
      if (!events) return human(event);
      const { type, ...fields } = event;
      events.emit(type, fields);
    };

    const controller = new AbortController();
    const stop = () => controller.abort();
    const signals: Deno.Signal[] = once ? [] : ["SIGINT", "SIGTERM"];
    const listening: Deno.Signal[] = [];
    for (const signal of signals) {
      try {
        Deno.addSignalListener(signal, stop);
        listening.push(signal);
      } catch { /* not supported on this platform */ }
    }
    if (!once && !events) {
      ctx.io.stderr(
        `daemon: watching ${dir} every ${ctx.values.interval ?? DEFAULT_INTERVAL} ` +
          `(auto-fix ${flags.autoFix}, at most ${flags.maxRepairs} repairs per resource per hour); ` +
          `Ctrl-C stops it\n`,
      );
    }
    const runbooks = flags.propose ? new RunbookWriter(ctx, dir) : null;
    try {
      const code = await runDaemon(
        {
          dir,
          intervalMs: flags.intervalMs,
          once,
          autoFix: flags.autoFix,
          maxRepairs: flags.maxRepairs,
          signal: controller.signal,
          historyPath: join(dir, ".clockwork", "daemon-repairs.json"),
        },
        pipelineFor(ctx, dir, runbooks),
        emit,
      );
      if (!once && !events) ctx.io.stderr("daemon: stopped\n");
      return code;
    } finally {
      for (const signal of listening) Deno.removeSignalListener(signal, stop);
      await runbooks?.close();
    }
  },
};
