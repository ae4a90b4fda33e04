/**
 * The `container` resource through the docker or podman CLI: runtime
 * detection, image pull, run, inspect, stats, logs, removal; the probe that
 * container assertions read through; the observer planning reads through.
 * Every value reaches the runtime as its own argv element, never via a shell.
 */
import { join } from "node:path";
import type { Observation, Observer } from "./_observers.ts";
import {
  ADDRESS_LABEL,
  type ContainerSpec,
  containerSpec,
  DIGEST_LABEL,
  runArguments,
  type RuntimeName,
} from "./_container_spec.ts";

export {
  ADDRESS_LABEL,
  configDigest,
  type ContainerSpec,
  containerSpec,
  defaultContainerName,
  DIGEST_LABEL,
  runArguments,
  type RuntimeName,
} from "./_container_spec.ts";

/** Where runtime commands and their output go (the step log during apply). */
export type LogSink = (text: string) => void;

export interface RuntimeResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A container by its Clockwork address (found through its label) or by name. */
export type ContainerRef = { readonly address: string } | { readonly name: string };

export interface ContainerInspection {
  exists: boolean;
  running: boolean;
  /** running, exited, created, paused… or "missing". */
  status: string;
  /** healthy | unhealthy | starting; null without a healthcheck. */
  health: string | null;
  name: string | null;
  id: string | null;
  imageId: string | null;
  /** The io.clockwork.config-digest label, null when absent. */
  configDigest: string | null;
  address: string | null;
}

const MISSING: ContainerInspection = {
  exists: false,
  running: false,
  status: "missing",
  health: null,
  name: null,
  id: null,
  imageId: null,
  configDigest: null,
  address: null,
};

const decoder = new TextDecoder();

function findExecutable(name: string): string | null {
  const folders = (Deno.env.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(":");
  for (const folder of [...folders, "/usr/sbin", "/sbin"]) {
    if (!folder) continue;
    try {
      if (Deno.statSync(join(folder, name)).isFile) return join(folder, name);
    } catch { /* not here */ }
  }
  return null;
}

async function execute(
  program: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<RuntimeResult> {
  const child = new Deno.Command(program, {
    args: [...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).spawn();
  const output = await child.output();
  return {
    code: output.signal ? 124 : output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr) +
      (output.signal ? `\n(killed after ${timeoutMs} ms)` : ""),
  };
}

/** An error a user can act on (no runtime, no registry, a failed run). */
export class ContainerError extends Error {}

let autoDetected: Promise<RuntimeName> | null = null;

/**
 * The runtime to use: the one asked for, else docker when its engine answers
 * (a docker CLI without a daemon does not count), else podman.
 */
export function detectRuntime(preferred: RuntimeName | null = null): Promise<RuntimeName> {
  if (preferred) {
    if (!findExecutable(preferred)) {
      return Promise.reject(new ContainerError(`runtime "${preferred}" is not installed`));
    }
    return Promise.resolve(preferred);
  }
  autoDetected ??= (async () => {
    const docker = findExecutable("docker");
    if (docker) {
      try {
        const probe = await execute(docker, ["version", "--format", "{{.Server.Version}}"], 3_000);
        if (probe.code === 0 && probe.stdout.trim() !== "") return "docker";
      } catch { /* a broken docker CLI is the same as none */ }
    }
    if (findExecutable("podman")) return "podman";
    throw new ContainerError(
      "no container runtime: install podman, or docker with a running engine",
    );
  })();
  autoDetected.catch(() => autoDetected = null);
  return autoDetected;
}

function parseSize(text: string): number {
  const match = /^\s*([\d.]+)\s*([a-zA-Z]*)/.exec(text);
  if (!match) return 0;
  const units: Record<string, number> = {
    b: 1,
    kb: 1e3,
    mb: 1e6,
    gb: 1e9,
    tb: 1e12,
    kib: 1024,
    mib: 1024 ** 2,
    gib: 1024 ** 3,
    tib: 1024 ** 4,
  };
  return Math.round(Number(match[1]) * (units[(match[2] || "b").toLowerCase()] ?? 1));
}

/** The last meaningful line of runtime stderr, for error messages. */
function lastLine(text: string): string {
  const lines = text.trim().split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return (lines.at(-1) ?? "").replace(/^Error:\s*/i, "");
}

export class ContainerRuntime {
  readonly program: string;

  constructor(readonly name: RuntimeName, private readonly log: LogSink = () => {}) {
    this.program = findExecutable(name) ?? name;
  }

  /** Runs the runtime with `args`; the command line and its output go to the log. */
  async exec(args: readonly string[], timeoutMs = 120_000, quiet = false): Promise<RuntimeResult> {
    if (!quiet) this.log(`$ ${this.name} ${args.map(quoteForLog).join(" ")}\n`);
    const result = await execute(this.program, args, timeoutMs);
    if (!quiet) {
      if (result.stdout) {
        this.log(result.stdout.endsWith("\n") ? result.stdout : result.stdout + "\n");
      }
      if (result.stderr) {
        this.log(result.stderr.endsWith("\n") ? result.stderr : result.stderr + "\n");
      }
    }
    return result;
  }

  async imageExists(image: string): Promise<boolean> {
    return (await this.exec(["image", "inspect", "--format", "{{.Id}}", "--", image], 30_000, true))
      .code === 0;
  }

  /** Pulls `image` unless it is already local. */
  async ensureImage(image: string): Promise<void> {
    if (await this.imageExists(image)) return;
    // "--" (here and in inspect): a value starting with "-" stays an image name, never an option.
    const result = await this.exec(["pull", "--", image], 600_000);
    if (result.code !== 0) {
      const reason = lastLine(result.stderr);
      const unreachable =
        /dial tcp|no such host|connection refused|i\/o timeout|network is unreachable|TLS handshake|lookup /i
          .test(result.stderr);
      throw new ContainerError(
        unreachable
          ? `image "${image}" is not present locally and no registry could be reached to pull it (${reason})`
          : `could not pull image "${image}": ${reason}`,
      );
    }
  }

  /** The names of containers labelled with `address`. */
  async namesFor(address: string): Promise<string[]> {
    const result = await this.exec(
      [
        "ps",
        "--all",
        "--filter",
        `label=${ADDRESS_LABEL}=${address}`,
        "--format",
        "{{.Names}}",
      ],
      30_000,
      true,
    );
    if (result.code !== 0) {
      throw new ContainerError(`${this.name} ps failed: ${lastLine(result.stderr)}`);
    }
    return result.stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  }

  private async resolve(ref: ContainerRef): Promise<string | null> {
    if ("name" in ref) return ref.name;
    return (await this.namesFor(ref.address))[0] ?? null;
  }

  async inspect(ref: ContainerRef): Promise<ContainerInspection> {
    const name = await this.resolve(ref);
    if (name === null) return MISSING;
    let found = await this.inspectByName(name);
    // Podman runs healthchecks from systemd timers; without systemd they never
    // fire on their own, so a "starting" container gets one check run now.
    if (this.name === "podman" && found.running && found.health === "starting") {
      await this.exec(["healthcheck", "run", name], 60_000, true);
      found = await this.inspectByName(name);
    }
    return found;
  }

  private async inspectByName(name: string): Promise<ContainerInspection> {
    const result = await this.exec(["container", "inspect", name], 30_000, true);
    if (result.code !== 0) {
      if (/no such (container|object)|not found/i.test(result.stderr)) return MISSING;
      throw new ContainerError(`${this.name} inspect ${name} failed: ${lastLine(result.stderr)}`);
    }
    const [info] = JSON.parse(result.stdout) as Record<string, any>[];
    if (!info) return MISSING;
    const state = info.State ?? {};
    const labels: Record<string, string> = info.Config?.Labels ?? {};
    const healthStatus = state.Health?.Status ?? state.Healthcheck?.Status ?? "";
    return {
      exists: true,
      running: state.Running === true,
      status: String(state.Status ?? (state.Running ? "running" : "unknown")),
      health: healthStatus === "" ? null : String(healthStatus),
      name: String(info.Name ?? name).replace(/^\//, ""),
      id: info.Id ?? null,
      imageId: info.Image ?? null,
      configDigest: labels[DIGEST_LABEL] ?? null,
      address: labels[ADDRESS_LABEL] ?? null,
    };
  }

  async stats(ref: ContainerRef): Promise<{ memoryBytes: number; cpuPercent: number }> {
    const name = await this.resolve(ref);
    if (name === null) throw new ContainerError(`${describe(ref)} does not exist`);
    const result = await this.exec(
      ["stats", "--no-stream", "--format", "{{.MemUsage}}|{{.CPUPerc}}", name],
      60_000,
      true,
    );
    if (result.code !== 0) {
      throw new ContainerError(`${this.name} stats ${name} failed: ${lastLine(result.stderr)}`);
    }
    const line = result.stdout.trim().split("\n").at(-1) ?? "";
    const [memory = "", cpu = ""] = line.split("|");
    return {
      memoryBytes: parseSize(memory.split("/")[0] ?? ""),
      cpuPercent: Number.parseFloat(cpu) || 0,
    };
  }

  async logs(ref: ContainerRef, lines: number): Promise<string> {
    const name = await this.resolve(ref);
    if (name === null) throw new ContainerError(`${describe(ref)} does not exist`);
    const result = await this.exec(["logs", "--tail", String(lines), name], 60_000, true);
    if (result.code !== 0) {
      throw new ContainerError(`${this.name} logs ${name} failed: ${lastLine(result.stderr)}`);
    }
    const join = (a: string, b: string) =>
      a === "" ? b : b === "" ? a : `${a.replace(/\n?$/, "\n")}${b}`;
    return join(result.stdout, result.stderr);
  }

  /** Stops (briefly gracefully) and removes a container; absent is fine. */
  async remove(name: string): Promise<void> {
    const existing = await this.inspectByName(name);
    if (!existing.exists) return;
    if (existing.running) await this.exec(["stop", "--time", "3", name], 60_000);
    const result = await this.exec(["rm", "--force", name], 60_000);
    if (result.code !== 0 && (await this.inspectByName(name)).exists) {
      throw new ContainerError(`could not remove container "${name}": ${lastLine(result.stderr)}`);
    }
  }

  /** Pulls the image when missing, removes any stale container of this name or address, runs it. */
  async create(spec: ContainerSpec): Promise<ContainerInspection> {
    await this.ensureImage(spec.image);
    const holder = await this.inspectByName(spec.name);
    if (holder.exists && holder.address !== spec.address) {
      // Never remove a container Clockwork did not create for this address.
      throw new ContainerError(
        `a container named "${spec.name}" already exists and ${
          holder.address === null ? "was not created by Clockwork" : `belongs to ${holder.address}`
        }; remove it or choose another name`,
      );
    }
    const stale = new Set([spec.name, ...await this.namesFor(spec.address)]);
    for (const name of stale) await this.remove(name);
    const result = await this.exec(runArguments(this.name, spec), 300_000);
    if (result.code !== 0) {
      throw new ContainerError(
        `${this.name} could not start container "${spec.name}": ${lastLine(result.stderr)}`,
      );
    }
    // A moment for a command that fails at once to exit, so the error shows here.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = await this.inspectByName(spec.name);
    if (!started.running) {
      const tail = await this.exec(["logs", "--tail", "20", spec.name], 30_000, true);
      throw new ContainerError(
        `container "${spec.name}" exited right after starting (${started.status}): ${
          lastLine(tail.stdout + tail.stderr) || "no output"
        }`,
      );
    }
    return started;
  }

  /** Removes every container labelled with `address`. */
  async destroy(address: string): Promise<void> {
    // Labels decide what is ours; a same-named stranger is never removed.
    for (const name of await this.namesFor(address)) await this.remove(name);
  }
}

function describe(ref: ContainerRef): string {
  return "address" in ref ? ref.address : `container "${ref.name}"`;
}

function quoteForLog(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export async function runtimeFor(
  preferred: RuntimeName | null,
  log?: LogSink,
): Promise<ContainerRuntime> {
  return new ContainerRuntime(await detectRuntime(preferred), log);
}

/**
 * Creates (or re-creates) the container an apply step asks for. Output of the
 * runtime goes to `log`. Returns what is running afterwards.
 */
export async function applyContainer(
  address: string,
  attributes: Readonly<Record<string, unknown>>,
  options: { baseDir?: string; log?: LogSink } = {},
): Promise<ContainerInspection> {
  const spec = containerSpec(address, attributes, options.baseDir);
  const runtime = await runtimeFor(spec.runtime, options.log);
  return await runtime.create(spec);
}

/**
 * Stops and removes the container of a resource: every container labelled
 * with its address, or with `onlyId` just that one (the old half of a
 * replace, which must not touch its successor).
 */
export async function destroyContainer(
  address: string,
  attributes: Readonly<Record<string, unknown>>,
  options: { log?: LogSink; onlyId?: string | null } = {},
): Promise<void> {
  const runtime = await runtimeFor(
    attributes.runtime === "docker" || attributes.runtime === "podman" ? attributes.runtime : null,
    options.log,
  );
  if (options.onlyId) await runtime.remove(options.onlyId);
  else await runtime.destroy(address);
}

/**
 * What container assertions read through (structurally src/assert's
 * ContainerProbe). The runtime is detected on first use, so building a probe
 * costs nothing when no container assertion runs.
 */
export function containerProbe(preferred: RuntimeName | null = null) {
  let runtime: Promise<ContainerRuntime> | null = null;
  const get = () => runtime ??= runtimeFor(preferred);
  return {
    async inspect(ref: ContainerRef) {
      const found = await (await get()).inspect(ref);
      return {
        exists: found.exists,
        running: found.running,
        status: found.status,
        health: found.health,
        name: found.name,
      };
    },
    async stats(ref: ContainerRef) {
      return await (await get()).stats(ref);
    },
    async logs(ref: ContainerRef, lines: number) {
      return await (await get()).logs(ref, lines);
    },
  };
}

/** Observation of a container for planning: {running, image_id, config_digest, id}. */
export const observeContainer: Observer = async (item, options): Promise<Observation> => {
  const runtimeAttr = item.attributes.runtime;
  let runtime: ContainerRuntime;
  try {
    runtime = await runtimeFor(
      runtimeAttr === "docker" || runtimeAttr === "podman" ? runtimeAttr : null,
    );
  } catch (error) {
    // Nothing can run without a runtime; apply reports the same error on its step.
    if (!(error instanceof ContainerError)) throw error;
    return { address: item.address, exists: false, attributes: { error: error.message } };
  }
  let name: string | null = null;
  try {
    name = containerSpec(item.address, item.attributes, options.baseDir).name;
  } catch { /* attributes of an odd shape: fall back to the address label */ }
  let found = name ? await runtime.inspect({ name }) : MISSING;
  // A container of that name that belongs to another address is not ours.
  if (found.exists && found.address !== null && found.address !== item.address) found = MISSING;
  if (!found.exists) found = await runtime.inspect({ address: item.address });
  if (!found.exists) return { address: item.address, exists: false, attributes: {} };
  return {
    address: item.address,
    exists: true,
    attributes: {
      running: found.running,
      status: found.status,
      image_id: found.imageId,
      config_digest: found.configDigest,
      id: found.id,
      name: found.name,
    },
  };
};
