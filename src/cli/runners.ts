/**
 * Steps and observations on remote hosts: each `host` block gets its own
 * PluginHost running the block's runner plugin (`runner = "NAME"` → the
 * plugin `runner-NAME` when there is one, built-in or installed, else `NAME`)
 * with the block as its settings. The built-in ssh runner's grant is derived
 * from the block: `run: ssh` plus read on `identity_file` and
 * `known_hosts_file`; an installed runner keeps its locked grant.
 *
 * Remote steps get no bwrap sandbox (the confinement is the remote account's
 * rights); they get the step's scrubbed environment on top of the remote
 * login environment, and the step timeout, enforced locally and remotely.
 */
import { join, resolve } from "node:path";
import type { Config, Host } from "../config/mod.ts";
import { type Observation, type ObserveItem, safeStepName, type StepResult } from "../exec/mod.ts";
import {
  type Artifact,
  artifactBytes,
  type Bundle,
  type BundleStep,
  REMOTE_MKDIR_SCRIPT,
  REMOTE_MODE_PREFIX,
  REMOTE_WRITE_BASE64_FILE_SCRIPT,
  REMOTE_WRITE_FILE_SCRIPT,
  remoteStepNotes,
} from "../forge/mod.ts";
import { type Diagnostic, maskable, maskSecrets } from "../hcl/mod.ts";
import { PluginHost } from "../plugins/host/mod.ts";
import { normalizePermissions, type PluginClient, PluginError } from "../plugins/protocol/mod.ts";
import { BUILTIN_PLUGINS, type EmbeddedPlugin } from "../../plugins/builtins.ts";

/** Types a runner plugin can observe. */
export const REMOTE_OBSERVABLE: ReadonlySet<string> = new Set(["file", "directory"]);

/**
 * The plugin a host block's `runner` names: `runner-NAME` when there is one
 * (built-in or installed), else the plugin NAME itself.
 */
export function runnerPluginName(runner: string, plugins?: PluginHost): string {
  const prefixed = `runner-${runner}`;
  if (plugins) return plugins.get(prefixed) ? prefixed : runner;
  return BUILTIN_PLUGINS.some((p) => p.manifest.name === prefixed) ? prefixed : runner;
}

/** The built-ins with runner-ssh granted exactly the files this host block names. */
function builtinsFor(plugin: string, host: Host, rootDir: string): EmbeddedPlugin[] {
  if (plugin !== "runner-ssh") return [...BUILTIN_PLUGINS];
  const read = ["identity_file", "known_hosts_file"]
    .map((key) => host.attributes[key])
    .filter((v): v is string => typeof v === "string" && v !== "")
    .map((path) => resolve(rootDir, path));
  return BUILTIN_PLUGINS.map((p) => {
    if (p.manifest.name !== plugin) return p;
    const permissions = { ...normalizePermissions(p.manifest.permissions), read };
    return { ...p, manifest: { ...p.manifest, permissions } };
  });
}

/** The strings of sensitive variables: kept out of messages about hosts. */
export function sensitiveStrings(config: Config): string[] {
  const out: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === "object") Object.values(value).forEach(collect);
  };
  for (const v of Object.values(config.variables)) if (v.sensitive) collect(v.value);
  return out;
}

/**
 * Host blocks that resources use but that cannot work: no runner plugin of
 * that name, or an ssh host without an address. Found while planning, so
 * `plan` says so instead of a failed step at apply time.
 */
export async function hostProblems(config: Config): Promise<Diagnostic[]> {
  const used = new Set(config.resources.map((r) => r.host).filter((h) => h !== null));
  if (used.size === 0) return [];
  const opened = await PluginHost.open({ configDir: config.rootDir, builtins: BUILTIN_PLUGINS });
  const out: Diagnostic[] = [];
  try {
    for (const host of config.hosts) {
      if (!used.has(host.name)) continue;
      const problem = (summary: string, notes: string[]) =>
        out.push({ severity: "error", code: "CW2040", summary, subject: host.range, notes });
      const name = runnerPluginName(host.runner, opened.value);
      const record = opened.value.get(name);
      if (!record || record.kind !== "runner") {
        const builtin = BUILTIN_PLUGINS.filter((p) => p.manifest.kind === "runner")
          .map((p) => JSON.stringify(p.manifest.name.replace(/^runner-/, "")));
        problem(
          `Host ${JSON.stringify(host.name)}: no runner plugin ${JSON.stringify(host.runner)}`,
          [
            `built-in runners: ${
              builtin.join(", ")
            }; others are installed with \`clockwork plugin add\``,
          ],
        );
      } else if (
        name === "runner-ssh" &&
        (typeof host.attributes.address !== "string" || host.attributes.address === "")
      ) {
        problem(`Host ${JSON.stringify(host.name)} needs an \`address\` for the ssh runner`, [
          'e.g. address = "203.0.113.7" (a host name or IP address)',
        ]);
      }
    }
  } finally {
    opened.value.close();
  }
  return out;
}

/** `user@address:port` for messages. */
function describeHost(host: Host): string {
  const a = host.attributes;
  if (typeof a.address !== "string") return JSON.stringify(host.name);
  const user = typeof a.user === "string" && a.user ? `${a.user}@` : "";
  const port = a.port === undefined || a.port === null ? "" : `:${a.port}`;
  return `${JSON.stringify(host.name)} (${user}${a.address}${port})`;
}

function messageOf(e: unknown): string {
  if (e instanceof PluginError) return e.message.replace(/^plugin "[^"]+": /, "");
  return e instanceof Error ? e.message : String(e);
}

/**
 * Connections one host gets at once: OpenSSH's sshd starts dropping
 * unauthenticated connections beyond 10 (MaxStartups), so stay below it.
 */
const PER_HOST_CONCURRENCY = 8;

interface Connection {
  readonly host: Host;
  readonly plugins: PluginHost;
  readonly client: PluginClient<"runner">;
  readonly slots: Slots;
}

/** A counting semaphore. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

export interface RemoteObserveItem extends ObserveItem {
  readonly host: string;
}

export class RemoteRunners {
  readonly #rootDir: string;
  readonly #hosts: Map<string, Host>;
  readonly #redact: readonly string[];
  readonly #open = new Map<string, Promise<Connection | { error: string }>>();

  #killed = false;

  /**
   * `killSignal` (a second Ctrl-C) stops the runner plugins, so running
   * remote steps fail at once; what they started on the host runs on until
   * the step timeout ends it there.
   */
  constructor(
    rootDir: string,
    hosts: readonly Host[],
    redact: readonly string[] = [],
    killSignal?: AbortSignal,
  ) {
    this.#rootDir = rootDir;
    this.#hosts = new Map(hosts.map((h) => [h.name, h]));
    this.#redact = maskable(redact);
    killSignal?.addEventListener("abort", () => {
      this.#killed = true;
      this.close();
    }, { once: true });
  }

  /** One PluginHost per host block, started on first use. */
  #connect(name: string): Promise<Connection | { error: string }> {
    let opened = this.#open.get(name);
    if (!opened) {
      opened = this.#start(name);
      this.#open.set(name, opened);
    }
    return opened;
  }

  async #start(name: string): Promise<Connection | { error: string }> {
    const host = this.#hosts.get(name);
    if (!host) {
      return { error: `host ${JSON.stringify(name)} is not declared in the configuration` };
    }
    const opened = await PluginHost.open({
      configDir: this.#rootDir,
      builtins: builtinsFor(runnerPluginName(host.runner), host, this.#rootDir),
      // A whole batch of observations is one request (runner-ssh allows it 60 s).
      requestTimeoutMs: 70_000,
      settings: {
        [`runner-${host.runner}`]: host.attributes,
        [host.runner]: host.attributes,
      },
    });
    const plugin = runnerPluginName(host.runner, opened.value);
    const lockError = opened.diagnostics.find((d) => d.severity === "error");
    if (lockError) {
      opened.value.close();
      return { error: `host ${JSON.stringify(name)}: ${lockError.summary}` };
    }
    try {
      return {
        host,
        plugins: opened.value,
        client: opened.value.runner(plugin),
        slots: new Slots(PER_HOST_CONCURRENCY),
      };
    } catch (e) {
      opened.value.close();
      return { error: `host ${JSON.stringify(name)}: runner ${messageOf(e)}` };
    }
  }

  /** `runRemote` for runBundle: one step through its host's runner plugin. */
  readonly run = async (
    step: BundleStep,
    context: { readonly bundle: Bundle; readonly logDir: string },
  ): Promise<StepResult> => {
    const started = performance.now();
    const result = (status: "ok" | "failed", fields: Partial<StepResult>): StepResult => ({
      step,
      status,
      durationMs: performance.now() - started,
      logPath: null,
      exitCode: null,
      timedOut: false,
      message: null,
      observed: null,
      spawned: true,
      ...fields,
    });
    const connection = await this.#connect(step.host!);
    if ("error" in connection) return result("failed", { message: connection.error });
    const where = describeHost(connection.host);
    const stdinArtifact = step.stdinArtifact === undefined
      ? undefined
      : context.bundle.artifacts.find((a) => a.path === step.stdinArtifact);
    if (step.stdinArtifact !== undefined && !stdinArtifact) {
      return result("failed", { message: `missing artifact ${step.stdinArtifact}` });
    }
    let answer;
    try {
      answer = await connection.slots.use(() =>
        connection.client.execute({
          step: {
            id: step.id,
            argv: step.argv,
            env: step.env,
            cwd: step.cwd ?? "",
            timeoutMs: step.timeoutMs,
            ...(stdinArtifact ? { stdin: stdinArtifact.content } : {}),
          },
        })
      );
    } catch (e) {
      if (this.#killed) {
        return result("failed", {
          message: `stopped: interrupted twice (on host ${
            this.#scrub(where)
          } it runs on until its timeout)`,
        });
      }
      return result("failed", { message: this.#scrub(`host ${where}: ${messageOf(e)}`) });
    }
    const logPath = this.#writeLog(context.logDir, step, answer.stdout, answer.stderr);
    const base = { logPath, exitCode: answer.exitCode, durationMs: answer.durationMs };
    if (answer.timedOut) {
      return result("failed", {
        ...base,
        timedOut: true,
        message: this.#scrub(`timed out after ${step.timeoutMs / 1000}s on host ${where}`),
      });
    }
    if (answer.exitCode === 255 && connection.host.runner === "ssh") {
      const reason = answer.stderr.trim().split("\n").at(-1) ?? "";
      return result("failed", {
        ...base,
        message: this.#scrub(`host ${where} is unreachable: ${reason || "ssh exited with 255"}`),
      });
    }
    if (answer.exitCode !== 0) {
      return result("failed", {
        ...base,
        // The last line of stderr usually says why (the whole output is in the log).
        message: this.#scrub(
          `exited with code ${answer.exitCode} on host ${where}` +
            (lastLine(answer.stderr) ? `: ${lastLine(answer.stderr)}` : ""),
        ),
      });
    }
    // What the step left alone (a directory holding others' files), as the local ops report it.
    const notes = remoteStepNotes(step, answer.stdout);
    return result("ok", {
      ...base,
      message: notes.length > 0 ? this.#scrub(notes.join("; ")) : null,
      observed: observedAfter(step, answer.stdout, stdinArtifact),
    });
  };

  /**
   * Runs `sh -c script sh ARGS…` on host `name` (for assertions that read the
   * host): its exit code and output. Throws when the host cannot be reached
   * or the script times out.
   */
  async shell(
    name: string,
    script: string,
    args: readonly string[],
    timeoutMs: number,
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const connection = await this.#connect(name);
    if ("error" in connection) throw new Error(this.#scrub(connection.error));
    const where = describeHost(connection.host);
    let answer;
    try {
      answer = await connection.slots.use(() =>
        connection.client.execute({
          step: {
            id: "assert",
            argv: ["sh", "-c", script, "sh", ...args],
            env: {},
            cwd: "",
            timeoutMs,
          },
        })
      );
    } catch (e) {
      throw new Error(this.#scrub(`host ${where}: ${messageOf(e)}`));
    }
    if (answer.timedOut) throw new Error(`timed out after ${timeoutMs / 1000}s on host ${where}`);
    if (answer.exitCode === 255 && connection.host.runner === "ssh") {
      const reason = lastLine(answer.stderr) || "ssh exited with 255";
      throw new Error(this.#scrub(`host ${where} is unreachable: ${reason}`));
    }
    return { exitCode: answer.exitCode, stdout: answer.stdout, stderr: answer.stderr };
  }

  #scrub(text: string): string {
    return maskSecrets(text, this.#redact);
  }

  #writeLog(logDir: string, step: BundleStep, stdout: string, stderr: string): string | null {
    const path = join(logDir, `${safeStepName(step.id)}.log`);
    try {
      Deno.mkdirSync(logDir, { recursive: true, mode: 0o700 });
      Deno.writeTextFileSync(path, this.#scrub(stdout + stderr), { mode: 0o600 });
      return path;
    } catch {
      return null;
    }
  }

  /**
   * Observes remote `file`/`directory` items, one request per host. An item
   * that cannot be observed gives an error diagnostic naming its host.
   */
  async observe(
    items: readonly RemoteObserveItem[],
  ): Promise<{ observations: Observation[]; diagnostics: Diagnostic[] }> {
    const byHost = new Map<string, RemoteObserveItem[]>();
    for (const item of items) {
      if (!REMOTE_OBSERVABLE.has(item.type)) continue;
      if (!byHost.has(item.host)) byHost.set(item.host, []);
      byHost.get(item.host)!.push(item);
    }
    const observations: Observation[] = [];
    const diagnostics: Diagnostic[] = [];
    const failed = (item: RemoteObserveItem, why: string) =>
      diagnostics.push({
        severity: "error",
        code: "CW3010",
        summary: `Cannot observe ${item.address} on host ${JSON.stringify(item.host)}`,
        detail: this.#scrub(why),
        address: item.address,
        notes: ["check that the host is reachable (`ssh` with the host block's settings)"],
      });
    await Promise.all([...byHost].map(async ([name, list]) => {
      const connection = await this.#connect(name);
      if ("error" in connection) {
        // A host block that is gone: nothing to compare against, plan from the record.
        if (!this.#hosts.has(name)) return;
        return list.forEach((item) => failed(item, connection.error));
      }
      let answer;
      try {
        answer = await connection.slots.use(() =>
          connection.client.observe({
            resources: list.map((i) => ({
              address: i.address,
              type: i.type,
              attributes: { ...i.attributes },
            })),
          })
        );
      } catch (e) {
        return list.forEach((item) => failed(item, messageOf(e)));
      }
      for (const item of list) {
        const seen = answer.observations[item.address];
        if (!seen) failed(item, "the runner did not answer for it");
        else if (seen.error !== undefined) failed(item, seen.error);
        else {
          observations.push({
            address: item.address,
            exists: seen.exists,
            attributes: seen.attributes,
          });
        }
      }
    }));
    return { observations, diagnostics };
  }

  close(): void {
    for (const opened of this.#open.values()) {
      opened.then((c) => "plugins" in c && c.plugins.close(), () => {});
    }
    this.#open.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function lastLine(text: string): string {
  const line = text.trimEnd().split("\n").at(-1)?.trim() ?? "";
  return line.length > 200 ? line.slice(0, 200) + "…" : line;
}

/** What state records as `observed` after a remote file/directory step (as the local ops do). */
function observedAfter(
  step: BundleStep,
  stdout: string,
  stdinArtifact: Pick<Artifact, "content" | "encoding" | "sha256"> | undefined,
): Record<string, unknown> | null {
  const script = step.argv[2];
  const writes = script === REMOTE_WRITE_FILE_SCRIPT || script === REMOTE_WRITE_BASE64_FILE_SCRIPT;
  if (!writes && script !== REMOTE_MKDIR_SCRIPT) return null;
  const line = stdout.split("\n").findLast((l) => l.startsWith(REMOTE_MODE_PREFIX));
  const bits = line === undefined ? NaN : parseInt(line.slice(REMOTE_MODE_PREFIX.length), 8);
  const mode = Number.isNaN(bits)
    ? {}
    : { mode: "0" + (bits & 0o7777).toString(8).padStart(3, "0") };
  if (script === REMOTE_MKDIR_SCRIPT) return mode;
  return {
    ...(stdinArtifact ? { sha256: stdinArtifact.sha256 } : {}),
    ...mode,
    size: stdinArtifact ? artifactBytes(stdinArtifact).length : 0,
  };
}
