/**
 * Containers through the built-in runner-container plugin: container steps
 * (`runContainer` for runBundle), observation of containers for planning,
 * and the ContainerProbe container assertions read through. The plugin's
 * Worker may run only the docker and podman binaries installed here (their
 * absolute paths; the runtimes inherit this process's environment, which
 * podman needs for HOME and XDG_RUNTIME_DIR) — no read, write, net or env.
 * It starts lazily, on the first container request, so runs without
 * containers never start a Worker.
 */
import { join, resolve } from "node:path";
import type { ContainerProbe, ContainerRef } from "../assert/mod.ts";
import type { BundleStep } from "../forge/mod.ts";
import type { Diagnostic } from "../hcl/mod.ts";
import type { ContainerOp, Observation, ObserveItem, StepResult } from "../exec/mod.ts";
import { safeStepName } from "../exec/mod.ts";
import { PluginHost } from "../plugins/host/mod.ts";
import { PluginError } from "../plugins/protocol/mod.ts";
import { BUILTIN_PLUGINS, type EmbeddedPlugin } from "../../plugins/builtins.ts";

export const CONTAINER_RUNNER = "runner-container";

/** Absolute paths of the container runtimes on PATH (and the sbin folders). */
export function runtimePrograms(): Record<string, string> {
  const folders = (Deno.env.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(":");
  const found: Record<string, string> = {};
  for (const name of ["docker", "podman"]) {
    for (const folder of [...folders, "/usr/sbin", "/sbin"]) {
      if (!folder.startsWith("/")) continue;
      try {
        if (Deno.statSync(join(folder, name)).isFile) {
          found[name] = join(folder, name);
          break;
        }
      } catch { /* not here */ }
    }
  }
  return found;
}

/** Runtime commands behind one probe or observation may each take up to a minute. */
const PROBE_TIMEOUT_MS = 180_000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ContainerRunner {
  readonly #rootDir: string;
  readonly #programs: Record<string, string>;
  readonly #run: readonly string[];
  #host: PluginHost | null = null;
  #closed = false;

  /**
   * `run` is the whole grant (default: the absolute paths of docker and
   * podman that exist); the plugin is told where each runtime is.
   */
  constructor(rootDir: string, options: { run?: readonly string[] } = {}) {
    this.#rootDir = rootDir;
    this.#programs = runtimePrograms();
    this.#run = options.run ?? Object.values(this.#programs);
  }

  /** The grant the plugin runs with. */
  get granted(): readonly string[] {
    return this.#run;
  }

  /** Whether the plugin's Worker has been started. */
  get started(): boolean {
    return this.#host?.isRunning(CONTAINER_RUNNER) ?? false;
  }

  #plugins(): PluginHost {
    if (this.#closed) {
      throw new PluginError(CONTAINER_RUNNER, "closed", "the container runner is closed");
    }
    if (this.#host) return this.#host;
    const builtins: EmbeddedPlugin[] = BUILTIN_PLUGINS
      .filter((p) => p.manifest.name === CONTAINER_RUNNER)
      .map((p) => ({ ...p, manifest: { ...p.manifest, permissions: { run: [...this.#run] } } }));
    this.#host = new PluginHost({
      configDir: this.#rootDir,
      builtins,
      settings: { [CONTAINER_RUNNER]: { programs: this.#programs } },
    });
    return this.#host;
  }

  /** `runContainer` for runBundle: one container step, its runtime output in the step log. */
  readonly runStep = async (
    step: BundleStep,
    op: ContainerOp,
    context: { readonly logDir: string },
  ): Promise<StepResult> => {
    const base = { step, exitCode: null, timedOut: false, observed: null, spawned: true };
    const logPath = join(context.logDir, `${safeStepName(step.id)}.log`);
    let answer;
    try {
      answer = await this.#plugins().runner(CONTAINER_RUNNER).execute({
        step: {
          id: step.id,
          argv: ["container", op.action],
          env: {},
          cwd: "",
          timeoutMs: step.timeoutMs,
          stdin: JSON.stringify({ ...op, baseDir: resolve(this.#rootDir, op.baseDir) }),
        },
      }, { timeoutMs: step.timeoutMs + 30_000 });
    } catch (error) {
      return { ...base, status: "failed", durationMs: 0, logPath: null, message: messageOf(error) };
    }
    // stderr is the step log, already masked inside the plugin.
    await Deno.mkdir(context.logDir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(logPath, answer.stderr, { mode: 0o600 });
    const { observed, error } = JSON.parse(answer.stdout) as {
      observed: Record<string, unknown> | null;
      error: string | null;
    };
    return {
      ...base,
      status: error === null ? "ok" : "failed",
      durationMs: answer.durationMs,
      logPath,
      exitCode: error === null ? 0 : null,
      timedOut: answer.timedOut === true,
      message: error,
      observed,
    };
  };

  /**
   * Observes containers for planning, in input order. A container that
   * cannot be looked at gives an error diagnostic instead of a guess.
   */
  async observe(
    items: readonly ObserveItem[],
  ): Promise<{ observations: Observation[]; diagnostics: Diagnostic[] }> {
    const diagnostics: Diagnostic[] = [];
    let seen;
    try {
      seen = await this.#plugins().runner(CONTAINER_RUNNER).observe({
        resources: items.map((i) => ({
          address: i.address,
          type: i.type,
          attributes: { ...i.attributes },
        })),
      }, { timeoutMs: PROBE_TIMEOUT_MS });
    } catch (error) {
      return {
        observations: [],
        diagnostics: [{
          severity: "error",
          code: "CW6101",
          summary: `Cannot observe containers: ${messageOf(error)}`,
        }],
      };
    }
    const observations = items.map((item): Observation => {
      const found = seen.observations[item.address];
      if (found?.error !== undefined || !found) {
        diagnostics.push({
          severity: "error",
          code: "CW6101",
          summary: `Cannot observe ${item.address}: ${found?.error ?? "no answer"}`,
          address: item.address,
        });
        return { address: item.address, exists: false, attributes: {} };
      }
      return { address: item.address, exists: found.exists, attributes: found.attributes };
    });
    return { observations, diagnostics };
  }

  /**
   * What container assertions read through. `runtime` forces docker or
   * podman; by default the runtime is detected on first use.
   */
  probe(runtime: "docker" | "podman" | null = null): ContainerProbe {
    const ask = async <T>(method: string, ref: ContainerRef, extra = {}): Promise<T> => {
      const answer = await this.#plugins().request(CONTAINER_RUNNER, method, {
        ref,
        runtime,
        ...extra,
      }, { timeoutMs: PROBE_TIMEOUT_MS }) as { value: T } | { error: string };
      if ("error" in answer) throw new Error(answer.error);
      return answer.value;
    };
    return {
      inspect: (ref) => ask("inspect", ref),
      stats: (ref) => ask("stats", ref),
      logs: (ref, lines) => ask("logs", ref, { lines }),
    };
  }

  close(): void {
    this.#closed = true;
    this.#host?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
