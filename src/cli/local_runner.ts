/**
 * Local subprocess steps through the built-in runner-local plugin: src/exec
 * builds the sandboxed launch (bwrap with its binds, namespaces, scrubbed
 * environment) and hands it here as `spawnLocal`; the plugin starts it inside
 * its Worker, whose only permission is `run` for the absolute path of bwrap —
 * no read, write, net or env. It starts lazily, on the first subprocess step,
 * so runs of files and directories alone never start a Worker.
 *
 * Killing bwrap ends the whole step: `--unshare-pid` puts the step in its own
 * PID namespace and `--die-with-parent` kills its init when bwrap dies. Steps
 * without a sandbox are not delegated (src/exec keeps spawning them in their
 * own process group, which only it can kill as a whole).
 */
import type { LocalLaunch, LocalOutcome } from "../exec/mod.ts";
import { PluginHost } from "../plugins/host/mod.ts";
import { PluginError } from "../plugins/protocol/mod.ts";
import { BUILTIN_PLUGINS, type EmbeddedPlugin } from "../../plugins/builtins.ts";

export const LOCAL_RUNNER = "runner-local";

/** Absolute path of a program on PATH, or null. */
function onPath(name: string): string | null {
  if (name.startsWith("/")) return name;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir.startsWith("/")) continue;
    try {
      const candidate = `${dir}/${name}`;
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch { /* not here */ }
  }
  return null;
}

export class LocalRunner {
  readonly #rootDir: string;
  readonly #run: readonly string[];
  #host: PluginHost | null = null;
  #closed = false;

  /**
   * `run` is the whole grant: the binaries the plugin may start (default:
   * bwrap, resolved on PATH).
   */
  constructor(rootDir: string, run?: readonly string[]) {
    this.#rootDir = rootDir;
    this.#run = run ?? [onPath("bwrap")].filter((p): p is string => p !== null);
  }

  /** The grant the plugin runs with. */
  get granted(): readonly string[] {
    return this.#run;
  }

  /** Whether the plugin's Worker has been started (it starts on the first step). */
  get started(): boolean {
    return this.#host?.isRunning(LOCAL_RUNNER) ?? false;
  }

  #plugins(): PluginHost {
    if (this.#closed) throw new PluginError(LOCAL_RUNNER, "closed", "the local runner is closed");
    if (this.#host) return this.#host;
    const builtins: EmbeddedPlugin[] = BUILTIN_PLUGINS
      .filter((p) => p.manifest.name === LOCAL_RUNNER)
      .map((p) => ({ ...p, manifest: { ...p.manifest, permissions: { run: [...this.#run] } } }));
    this.#host = new PluginHost({ configDir: this.#rootDir, builtins });
    return this.#host;
  }

  /**
   * `spawnLocal` for runBundle. A program outside the grant is refused by the
   * Worker's permissions: a PluginError naming the plugin.
   */
  readonly spawn = async (launch: LocalLaunch): Promise<LocalOutcome> => {
    const plugins = this.#plugins();
    const program = onPath(launch.argv[0]) ?? launch.argv[0];
    const argv = [program, ...launch.argv.slice(1)];
    const cancel = () => {
      plugins.request(LOCAL_RUNNER, "cancel", { id: launch.stepId }).catch(() => {});
      // Should the plugin not answer, stopping its Worker kills bwrap (die-with-parent).
      setTimeout(() => {
        if (!settled) plugins.stop(LOCAL_RUNNER);
      }, launch.killGraceMs + 1000);
    };
    let settled = false;
    if (launch.killSignal?.aborted) throw new PluginError(LOCAL_RUNNER, "closed", "interrupted");
    launch.killSignal?.addEventListener("abort", cancel, { once: true });
    try {
      const answer = await plugins.request(LOCAL_RUNNER, "execute", {
        step: {
          id: launch.stepId,
          argv,
          env: { ...launch.env },
          cwd: "",
          timeoutMs: launch.timeoutMs,
          killGraceMs: launch.killGraceMs,
        },
      }, { timeoutMs: launch.timeoutMs + launch.killGraceMs + 10_000 }) as {
        exitCode: number;
        stdout: string;
        stderr: string;
        timedOut?: boolean;
      };
      if (answer.exitCode === -1 && answer.timedOut !== true && !launch.killSignal?.aborted) {
        // Only a failed start ends with -1 without a timeout or a cancel.
        throw new PluginError(
          LOCAL_RUNNER,
          "remote",
          `could not start ${program}: ${answer.stderr.trim()}`,
        );
      }
      return {
        exitCode: answer.exitCode,
        stdout: answer.stdout,
        stderr: answer.stderr,
        timedOut: answer.timedOut === true,
      };
    } finally {
      settled = true;
      launch.killSignal?.removeEventListener("abort", cancel);
    }
  };

  close(): void {
    this.#closed = true;
    this.#host?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
