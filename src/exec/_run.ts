/**
 * Runs a bundle: steps in dependency order, independent ones in parallel up
 * to `parallelism`, each either in-process (file, directory) or as a
 * sandboxed subprocess with a scrubbed environment, a timeout that kills its
 * whole process group, and its output in `.clockwork/logs/<run>/<step>.log`.
 *
 * After a failure (or an abort: Ctrl-C) no new step starts; running ones
 * finish. `onStepDone` is awaited before any dependent starts, so the caller
 * can record state durably first.
 */
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { type Diagnostic, maskable, maskSecrets } from "../hcl/mod.ts";
import type { Bundle, BundleStep } from "../forge/mod.ts";
import { type ContainerOp, containerOpOf, isContainerStep } from "./_container_step.ts";
import { type InProcessArtifact, runInProcess } from "./_inprocess.ts";
import { bwrapAvailable, bwrapWorks, launchArgv, type SandboxMode } from "./_sandbox.ts";

export type StepStatus = "ok" | "failed" | "skipped";

export interface StepResult {
  readonly step: BundleStep;
  readonly status: StepStatus;
  readonly durationMs: number;
  /** Absolute log path (subprocess steps only). */
  readonly logPath: string | null;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** One line saying why it failed or was skipped. */
  readonly message: string | null;
  /** What the in-process op saw right after (file: sha256, mode, size). */
  readonly observed: Record<string, unknown> | null;
  /** True when the step did no work at all (an empty in-process step). */
  readonly spawned: boolean;
}

export interface RunOptions {
  /** Absolute build directory: artifacts live here and it is the default cwd. */
  readonly buildDir: string;
  /** Absolute directory for this run's logs (created on first use). */
  readonly logDir: string;
  readonly parallelism?: number;
  readonly sandbox?: SandboxMode;
  /** Aborting stops new steps from starting (graceful Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Aborting kills the running steps' process groups too (a second Ctrl-C). */
  readonly killSignal?: AbortSignal;
  readonly onStepStart?: (step: BundleStep) => void;
  /** Awaited before dependents of the step may start. */
  readonly onStepDone?: (result: StepResult) => void | Promise<void>;
  /** PATH for subprocesses (default: this process's PATH). */
  readonly path?: string;
  /** Grace period between SIGTERM and SIGKILL on timeout (default 2 s). */
  readonly killGraceMs?: number;
  /** Sensitive values: replaced by "(sensitive)" wherever they appear in step logs. */
  readonly redact?: readonly string[];
  /**
   * Runs a step whose `host` is not the local machine (a runner plugin: ssh,
   * …). Without it such steps fail with a clear message.
   */
  readonly runRemote?: (
    step: BundleStep,
    context: { readonly bundle: Bundle; readonly logDir: string; readonly buildDir: string },
  ) => Promise<StepResult>;
  /**
   * Starts a sandboxed local step (argv begins with bwrap) somewhere else: the
   * CLI passes the runner-local plugin. Without it, or without a sandbox,
   * the step is spawned here in its own process group.
   */
  readonly spawnLocal?: (launch: LocalLaunch) => Promise<LocalOutcome>;
  /**
   * Runs a container step (the CLI passes the runner-container plugin, which
   * owns the docker/podman runtime). Without it container steps fail.
   */
  readonly runContainer?: (
    step: BundleStep,
    op: ContainerOp,
    context: { readonly logDir: string },
  ) => Promise<StepResult>;
}

/** A fully built local launch: what was validated, sandboxed, scrubbed. */
export interface LocalLaunch {
  readonly stepId: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** SIGTERM first, SIGKILL this much later. */
  readonly killGraceMs: number;
  /** Aborts on a second Ctrl-C: stop the step now. */
  readonly killSignal?: AbortSignal;
}

export interface LocalOutcome {
  /** -1 when killed or it could not start. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface RunResult {
  /** In bundle order. */
  readonly results: StepResult[];
  readonly failed: StepResult[];
  readonly interrupted: boolean;
  /** Warnings such as "no sandbox available". */
  readonly diagnostics: Diagnostic[];
  readonly spawnCount: number;
}

const DEFAULT_PARALLELISM = 10;

export function safeStepName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, "_");
}

export async function runBundle(bundle: Bundle, options: RunOptions): Promise<RunResult> {
  const diagnostics: Diagnostic[] = [];
  const wantSandbox = options.sandbox ?? "auto";
  // Remote steps run through their runner plugin: the local sandbox is not theirs.
  const needsProcess = bundle.steps.some((s) => s.inProcess === null && s.host === null);
  const probe = wantSandbox !== "none" && needsProcess && bwrapAvailable()
    ? await bwrapWorks()
    : null;
  const sandbox = probe?.ok === true;
  if (!sandbox && needsProcess && wantSandbox === "bwrap") {
    // Asked for by name, the sandbox is a requirement: nothing runs without it.
    return {
      results: [],
      failed: [],
      interrupted: false,
      spawnCount: 0,
      diagnostics: [{
        severity: "error",
        code: "CW5103",
        summary: probe === null
          ? "The sandbox is required, but bubblewrap (bwrap) is not available"
          : `The sandbox is required, but bubblewrap cannot create one here (${probe.reason})`,
        detail: "no step was started",
      }],
    };
  }
  if (!sandbox && needsProcess && wantSandbox !== "none") {
    diagnostics.push({
      severity: "warning",
      code: "CW5102",
      summary: probe === null
        ? "No sandbox: bubblewrap (bwrap) is not available"
        : `No sandbox: bubblewrap cannot create one here (${probe.reason})`,
      detail:
        "steps run with a scrubbed environment, a timeout and the build directory as working directory, but can write anywhere this user can",
      notes: ["install bubblewrap (Debian: apt-get install bubblewrap) to confine steps"],
    });
  }
  const artifacts = new Map<string, InProcessArtifact>(
    bundle.artifacts.map((a) => [a.path, {
      content: a.content,
      sha256: a.sha256,
      ...(a.encoding ? { encoding: a.encoding } : {}),
    }]),
  );
  const index = new Map(bundle.steps.map((s, i) => [s.id, i]));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const step of bundle.steps) {
    const deps = step.dependsOn.filter((d) => index.has(d));
    waiting.set(step.id, deps.length);
    for (const d of deps) {
      if (!dependents.has(d)) dependents.set(d, []);
      dependents.get(d)!.push(step.id);
    }
  }
  // In-process steps (file, directory) finish synchronously and hold no
  // parallelism slot: independent ones complete together and their records
  // share one journal fsync. Subprocess and container steps take a slot each.
  const isLight = (s: BundleStep) => s.inProcess !== null && !isContainerStep(s);
  const readyLight: number[] = [];
  const readyHeavy: number[] = [];
  let lightHead = 0;
  let heavyHead = 0;
  const makeReady = (i: number) => (isLight(bundle.steps[i]) ? readyLight : readyHeavy).push(i);
  bundle.steps.forEach((s, i) => {
    if (waiting.get(s.id) === 0) makeReady(i);
  });
  const results: (StepResult | undefined)[] = new Array(bundle.steps.length);
  const parallelism = Math.max(1, options.parallelism ?? DEFAULT_PARALLELISM);
  let active = 0;
  let heavy = 0;
  let stopped = false;
  let failedAny = false;
  let spawnCount = 0;
  let logDirMade = false;
  const ensureLogDir = () => {
    if (!logDirMade) Deno.mkdirSync(options.logDir, { recursive: true, mode: 0o700 });
    logDirMade = true;
  };

  const runOne = async (step: BundleStep): Promise<StepResult> => {
    const started = performance.now();
    const base = { step, logPath: null, exitCode: null, timedOut: false, observed: null };
    const container = containerOpOf(step);
    if (container !== null) {
      if (!options.runContainer) {
        return {
          ...base,
          status: "failed",
          durationMs: 0,
          message: "container steps need the container runner (runner-container plugin)",
          spawned: false,
        };
      }
      spawnCount++;
      return await options.runContainer(step, container, { logDir: options.logDir });
    }
    if (step.inProcess !== null) {
      try {
        const notes: string[] = [];
        const observed = runInProcess(step.inProcess, step.writes, artifacts, notes);
        return {
          ...base,
          status: "ok",
          durationMs: performance.now() - started,
          message: notes.length > 0 ? notes.join("; ") : null,
          observed,
          spawned: false,
        };
      } catch (e) {
        return {
          ...base,
          status: "failed",
          durationMs: performance.now() - started,
          message: e instanceof Error ? e.message : String(e),
          spawned: false,
        };
      }
    }
    if (step.host !== null) {
      if (options.runRemote) {
        spawnCount++;
        return await options.runRemote(step, {
          bundle,
          logDir: options.logDir,
          buildDir: options.buildDir,
        });
      }
      return {
        ...base,
        status: "failed",
        durationMs: 0,
        message: `host ${
          JSON.stringify(step.host)
        }: remote runners are not available in this build`,
        spawned: false,
      };
    }
    spawnCount++;
    ensureLogDir();
    return await runProcess(step, options, artifacts, sandbox);
  };

  await new Promise<void>((done) => {
    const start = (i: number) => {
      const step = bundle.steps[i];
      const light = isLight(step);
      active++;
      if (!light) heavy++;
      options.onStepStart?.(step);
      runOne(step).catch((e): StepResult => ({
        step,
        status: "failed",
        durationMs: 0,
        logPath: null,
        exitCode: null,
        timedOut: false,
        message: e instanceof Error ? e.message : String(e),
        observed: null,
        spawned: false,
      })).then(async (result) => {
        results[i] = result;
        try {
          await options.onStepDone?.(result);
        } catch (e) {
          // The caller could not record the step (e.g. disk full): start nothing more.
          stopped = true;
          failedAny = true;
          diagnostics.push({
            severity: "error",
            code: "CW5105",
            summary: `Could not record ${step.id}: ${e instanceof Error ? e.message : e}`,
            address: step.address,
          });
        }
        active--;
        if (!light) heavy--;
        if (result.status === "failed") {
          stopped = true;
          failedAny = true;
        } else {
          for (const d of dependents.get(step.id) ?? []) {
            const left = waiting.get(d)! - 1;
            waiting.set(d, left);
            if (left === 0) makeReady(index.get(d)!);
          }
        }
        pump();
      });
    };
    const pump = () => {
      if (options.signal?.aborted) stopped = true;
      while (!stopped && lightHead < readyLight.length) start(readyLight[lightHead++]);
      while (!stopped && heavy < parallelism && heavyHead < readyHeavy.length) {
        start(readyHeavy[heavyHead++]);
      }
      if (active === 0) done();
    };
    options.signal?.addEventListener("abort", () => {
      stopped = true;
    }, { once: true });
    pump();
  });

  const final: StepResult[] = bundle.steps.map((step, i) =>
    results[i] ?? {
      step,
      status: "skipped",
      durationMs: 0,
      logPath: null,
      exitCode: null,
      timedOut: false,
      message: failedAny ? "not started: an earlier step failed" : "not started: interrupted",
      observed: null,
      spawned: false,
    }
  );
  return {
    results: final,
    failed: final.filter((r) => r.status === "failed"),
    interrupted: !failedAny && final.some((r) => r.status === "skipped"),
    diagnostics,
    spawnCount,
  };
}

async function runProcess(
  step: BundleStep,
  options: RunOptions,
  artifacts: ReadonlyMap<string, InProcessArtifact>,
  sandbox: boolean,
): Promise<StepResult> {
  const started = performance.now();
  const logPath = join(options.logDir, `${safeStepName(step.id)}.log`);
  const cwd = step.cwd ?? options.buildDir;
  // Artifact paths are relative to the build dir; the step may run elsewhere (`cwd`).
  const argv = step.argv.map((a) => artifacts.has(a) ? resolve(options.buildDir, a) : a);
  // What runs is what was validated: re-check each script's digest just before the spawn.
  for (const a of step.argv) {
    const expected = artifacts.get(a);
    if (!expected) continue;
    let actual = "";
    try {
      actual = createHash("sha256").update(Deno.readFileSync(resolve(options.buildDir, a)))
        .digest("hex");
    } catch { /* missing: reported below */ }
    if (actual !== expected.sha256) {
      return {
        step,
        status: "failed",
        durationMs: performance.now() - started,
        logPath: null,
        exitCode: null,
        timedOut: false,
        message: `artifact ${a} changed after validation; refusing to run it`,
        observed: null,
        spawned: false,
      };
    }
  }
  const launch = launchArgv(
    { argv, cwd, writes: step.writes, network: step.network, buildDir: options.buildDir },
    sandbox,
  );
  const log = Deno.openSync(logPath, { write: true, create: true, truncate: true, mode: 0o600 });
  const failed = (
    message: string,
    exitCode: number | null = null,
    timedOut = false,
  ): StepResult => ({
    step,
    status: "failed",
    durationMs: performance.now() - started,
    logPath,
    exitCode,
    timedOut,
    message,
    observed: null,
    spawned: true,
  });
  if ("refused" in launch) {
    log.writeSync(new TextEncoder().encode(`clockwork: ${launch.refused}\n`));
    log.close();
    return failed(launch.refused);
  }
  const env = { ...step.env, PATH: options.path ?? Deno.env.get("PATH") ?? "/usr/bin:/bin" };
  const secrets = maskable(options.redact ?? []);
  if (sandbox && options.spawnLocal) {
    return await spawnElsewhere(options.spawnLocal, step, launch.argv, env, options, {
      log,
      secrets,
      failed,
      started,
      logPath,
    });
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(launch.argv[0], {
      args: launch.argv.slice(1),
      cwd: sandbox ? undefined : cwd,
      clearEnv: true,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    const message = `could not start ${launch.argv[0]}: ${e instanceof Error ? e.message : e}`;
    log.writeSync(new TextEncoder().encode(`clockwork: ${message}\n`));
    log.close();
    return failed(message);
  }
  let timedOut = false;
  const killGroup = (signal: Deno.Signal) => {
    try {
      // setsid made the child the leader of its own group: -pid reaches everything it started.
      Deno.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
    }
  };
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup("SIGTERM");
    graceTimer = setTimeout(() => killGroup("SIGKILL"), options.killGraceMs ?? 2000);
  }, step.timeoutMs);
  let killed = false;
  const onKill = () => {
    killed = true;
    killGroup("SIGTERM");
    graceTimer ??= setTimeout(() => killGroup("SIGKILL"), options.killGraceMs ?? 2000);
  };
  if (options.killSignal?.aborted) onKill();
  options.killSignal?.addEventListener("abort", onKill, { once: true });
  const writeLog = (bytes: Uint8Array) => {
    let offset = 0;
    while (offset < bytes.length) offset += log.writeSync(bytes.subarray(offset));
  };
  const copy = async (stream: ReadableStream<Uint8Array>) => {
    if (secrets.length === 0) {
      for await (const chunk of stream) writeLog(chunk);
      return;
    }
    // Line by line, so a secret split across two reads is still caught.
    const encoder = new TextEncoder();
    let pending = "";
    const flush = (text: string) => {
      writeLog(encoder.encode(maskSecrets(text, secrets)));
    };
    // A TextDecoder in stream mode rather than TextDecoderStream: the latter's
    // typings clash with Uint8Array<ArrayBufferLike> once Node types are loaded.
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const cut = pending.lastIndexOf("\n");
      if (cut >= 0) {
        flush(pending.slice(0, cut + 1));
        pending = pending.slice(cut + 1);
      }
    }
    if (pending) flush(pending);
  };
  const [status] = await Promise.all([child.status, copy(child.stdout), copy(child.stderr)]);
  clearTimeout(timer);
  if (graceTimer !== undefined) clearTimeout(graceTimer);
  options.killSignal?.removeEventListener("abort", onKill);
  if (!timedOut) killGroup("SIGKILL"); // leftovers the step started in the background
  log.close();
  if (killed && !timedOut) return failed("stopped: interrupted twice", status.code);
  if (timedOut) {
    return failed(
      `timed out after ${formatDuration(step.timeoutMs)} (process group killed)`,
      status.code,
      true,
    );
  }
  if (!status.success) {
    return failed(
      status.signal ? `killed by ${status.signal}` : `exited with code ${status.code}`,
      status.code,
    );
  }
  return {
    step,
    status: "ok",
    durationMs: performance.now() - started,
    logPath,
    exitCode: 0,
    timedOut: false,
    message: null,
    observed: null,
    spawned: true,
  };
}

/**
 * The sandboxed launch handed to `spawnLocal` (bwrap itself, without the
 * setsid prefix: the runner detaches it). Its output is masked into the log
 * once it returns.
 */
async function spawnElsewhere(
  spawnLocal: NonNullable<RunOptions["spawnLocal"]>,
  step: BundleStep,
  argv: readonly string[],
  env: Record<string, string>,
  options: RunOptions,
  run: {
    log: Deno.FsFile;
    secrets: readonly string[];
    failed: (message: string, exitCode?: number | null, timedOut?: boolean) => StepResult;
    started: number;
    logPath: string;
  },
): Promise<StepResult> {
  const mask = (text: string) => maskSecrets(text, run.secrets);
  const write = (text: string) => {
    const bytes = new TextEncoder().encode(mask(text));
    let offset = 0;
    while (offset < bytes.length) offset += run.log.writeSync(bytes.subarray(offset));
  };
  let outcome: LocalOutcome;
  try {
    outcome = await spawnLocal({
      stepId: step.id,
      argv: argv[0] === "setsid" ? argv.slice(1) : argv,
      env,
      timeoutMs: step.timeoutMs,
      killGraceMs: options.killGraceMs ?? 2000,
      killSignal: options.killSignal,
    });
  } catch (e) {
    if (options.killSignal?.aborted) {
      run.log.close();
      return run.failed("stopped: interrupted twice");
    }
    const message = mask(e instanceof Error ? e.message : String(e));
    write(`clockwork: ${message}\n`);
    run.log.close();
    return run.failed(message);
  }
  write(outcome.stdout);
  write(outcome.stderr);
  run.log.close();
  if (outcome.timedOut) {
    return run.failed(
      `timed out after ${formatDuration(step.timeoutMs)} (sandbox killed)`,
      outcome.exitCode,
      true,
    );
  }
  if (options.killSignal?.aborted) {
    return run.failed("stopped: interrupted twice", outcome.exitCode);
  }
  if (outcome.exitCode !== 0) {
    return run.failed(`exited with code ${outcome.exitCode}`, outcome.exitCode);
  }
  return {
    step,
    status: "ok",
    durationMs: performance.now() - run.started,
    logPath: run.logPath,
    exitCode: 0,
    timedOut: false,
    message: null,
    observed: null,
    spawned: true,
  };
}

function formatDuration(ms: number): string {
  return ms % 60000 === 0 ? `${ms / 60000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
