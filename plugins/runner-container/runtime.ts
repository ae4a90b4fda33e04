/**
 * The `container` resource through the docker or podman CLI, inside the
 * runner-container plugin's Worker: the desired container normalised from
 * resource attributes, runtime detection, image pull, run, inspect, stats,
 * logs, removal. Every value reaches the runtime as its own argv element,
 * never via a shell. The Worker may run only the runtime binaries it was
 * granted; their absolute paths come from the host (`programs`), since the
 * plugin cannot read PATH or the file system.
 */

export const ADDRESS_LABEL = "io.clockwork.address";
export const DIGEST_LABEL = "io.clockwork.config-digest";

export type RuntimeName = "docker" | "podman";

/** Absolute paths of the runtimes installed on this machine (the Worker's `run` grant). */
export type Programs = Partial<Record<RuntimeName, string>>;

export interface Healthcheck {
  /** A shell command (string) or an exec form (list) run inside the container. */
  command: string | string[];
  interval: string | null;
  timeout: string | null;
  retries: number | null;
  startPeriod: string | null;
}

export interface ContainerSpec {
  address: string;
  name: string;
  image: string;
  ports: string[];
  volumes: string[];
  env: Record<string, string>;
  command: string[] | null;
  restart: string | null;
  healthcheck: Healthcheck | null;
  /** The runtime the user chose; null means auto-detect. */
  runtime: RuntimeName | null;
}

/** `container.web` -> `cw-web`; `module.cache.container.redis` -> `cw-module-cache-redis`. */
export function defaultContainerName(address: string): string {
  const parts = address.split(".");
  const typeAt = parts.lastIndexOf("container");
  const kept = typeAt >= 0 ? [...parts.slice(0, typeAt), ...parts.slice(typeAt + 1)] : parts;
  const slug = kept.join("-").replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  return `cw-${slug || "container"}`;
}

/** The container name a resource's attributes give (what observation looks for). */
export function containerName(address: string, attributes: Readonly<Record<string, unknown>>) {
  const name = attributes.name;
  return typeof name === "string" && name !== "" ? name : defaultContainerName(address);
}

function asString(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new Error(`${what} must be a string`);
}

function asList(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${what} must be a list`);
  return value.map((item, i) => asString(item, `${what}[${i}]`));
}

/** `base` + `relative` with `.` and `..` folded (base is absolute: the host resolves it). */
function resolveUnder(base: string, relative: string): string {
  const parts: string[] = [];
  for (const part of `${base}/${relative}`.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

/** Host paths of bind mounts resolve like every other relative path: against the module directory. */
function resolveVolume(volume: string, baseDir: string): string {
  const [host, ...rest] = volume.split(":");
  if (
    host === undefined || rest.length === 0 || host.startsWith("/") ||
    !host.includes("/") && host !== "." && host !== ".."
  ) {
    return volume; // absolute path, or a named volume
  }
  return [resolveUnder(baseDir, host), ...rest].join(":");
}

/** A command given as a string is split on whitespace (no shell is involved). */
function commandList(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value.trim() === "" ? null : value.trim().split(/\s+/);
  return asList(value, "command");
}

function healthcheckOf(value: unknown): Healthcheck | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || Array.isArray(value)) {
    return {
      command: typeof value === "string" ? value : asList(value, "healthcheck"),
      interval: null,
      timeout: null,
      retries: null,
      startPeriod: null,
    };
  }
  if (typeof value !== "object") throw new Error("healthcheck must be a command or an object");
  const h = value as Record<string, unknown>;
  const command = h.command ?? h.test;
  if (command === undefined || command === null) throw new Error("healthcheck needs a command");
  const duration = (
    v: unknown,
  ) => (v === undefined || v === null
    ? null
    : typeof v === "number"
    ? `${v}s`
    : asString(v, "healthcheck duration"));
  return {
    command: typeof command === "string" ? command : asList(command, "healthcheck.command"),
    interval: duration(h.interval),
    timeout: duration(h.timeout),
    retries: h.retries === undefined || h.retries === null ? null : Number(h.retries),
    startPeriod: duration(h.start_period),
  };
}

/** Reads a `container` resource's attributes; throws on a value of the wrong shape. */
export function containerSpec(
  address: string,
  attributes: Readonly<Record<string, unknown>>,
  baseDir = "/",
): ContainerSpec {
  const image = attributes.image;
  if (typeof image !== "string" || image === "") throw new Error(`${address}: "image" is required`);
  const runtime = preferredRuntime(attributes.runtime, address);
  const envValue = attributes.env ?? {};
  if (typeof envValue !== "object" || envValue === null || Array.isArray(envValue)) {
    throw new Error(`${address}: env must be a map of strings`);
  }
  const env: Record<string, string> = {};
  for (const key of Object.keys(envValue).sort()) {
    env[key] = asString((envValue as Record<string, unknown>)[key], `env.${key}`);
  }
  return {
    address,
    name: containerName(address, attributes),
    image,
    ports: asList(attributes.ports, "ports"),
    volumes: asList(attributes.volumes, "volumes").map((v) => resolveVolume(v, baseDir)),
    env,
    command: commandList(attributes.command),
    restart: attributes.restart === undefined || attributes.restart === null
      ? null
      : asString(attributes.restart, "restart"),
    healthcheck: healthcheckOf(attributes.healthcheck),
    runtime,
  };
}

/** The `runtime` attribute: docker, podman, or null (auto-detect). */
export function preferredRuntime(value: unknown, address = "container"): RuntimeName | null {
  if (value === undefined || value === null) return null;
  if (value === "docker" || value === "podman") return value;
  throw new Error(`${address}: runtime must be "docker" or "podman", not ${JSON.stringify(value)}`);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return `{${
      Object.keys(record).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
        .join(",")
    }}`;
  }
  return JSON.stringify(value);
}

/** sha256 over everything that shapes the container; a change means the container is replaced. */
export async function configDigest(spec: ContainerSpec): Promise<string> {
  const { address: _address, ...config } = spec;
  const bytes = new TextEncoder().encode(canonicalJson(config));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function healthcheckArgs(runtime: RuntimeName, health: Healthcheck): string[] {
  const command = typeof health.command === "string"
    ? health.command
    : runtime === "podman"
    ? JSON.stringify([
      "CMD",
      ...health.command.filter((_, i) => i > 0 || health.command[0] !== "CMD"),
    ])
    : health.command.join(" ");
  const args = ["--health-cmd", command];
  if (health.interval) args.push("--health-interval", health.interval);
  if (health.timeout) args.push("--health-timeout", health.timeout);
  if (health.retries !== null) args.push("--health-retries", String(health.retries));
  if (health.startPeriod) args.push("--health-start-period", health.startPeriod);
  return args;
}

/** Arguments after the runtime binary: `run -d --name … IMAGE [COMMAND…]`. */
export async function runArguments(runtime: RuntimeName, spec: ContainerSpec): Promise<string[]> {
  const args = [
    "run",
    "--detach",
    "--name",
    spec.name,
    "--label",
    `${ADDRESS_LABEL}=${spec.address}`,
    "--label",
    `${DIGEST_LABEL}=${await configDigest(spec)}`,
  ];
  for (const port of spec.ports) args.push("--publish", port);
  for (const volume of spec.volumes) args.push("--volume", volume);
  for (const [key, value] of Object.entries(spec.env)) args.push("--env", `${key}=${value}`);
  if (spec.restart) args.push("--restart", spec.restart);
  if (spec.healthcheck) args.push(...healthcheckArgs(runtime, spec.healthcheck));
  // "--" keeps an image or command starting with "-" from being read as an option.
  args.push("--", spec.image, ...(spec.command ?? []));
  return args;
}

/** Where runtime commands and their output go (the step log during apply). */
export type LogSink = (text: string) => void;

export interface RuntimeResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A container of this address moved out of the way while its successor starts. */
interface SetAside {
  /** Its name before it was set aside. */
  readonly name: string;
  currentName: string;
  readonly wasRunning: boolean;
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

export const MISSING: ContainerInspection = {
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

async function execute(
  program: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<RuntimeResult> {
  // The runtime inherits this process's environment (HOME, XDG_RUNTIME_DIR,
  // DOCKER_HOST…): it needs them to find its storage and engine.
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
export function detectRuntime(
  programs: Programs,
  preferred: RuntimeName | null = null,
): Promise<RuntimeName> {
  if (preferred) {
    if (!programs[preferred]) {
      return Promise.reject(new ContainerError(`runtime "${preferred}" is not installed`));
    }
    return Promise.resolve(preferred);
  }
  autoDetected ??= (async () => {
    const docker = programs.docker;
    if (docker) {
      try {
        const probe = await execute(docker, ["version", "--format", "{{.Server.Version}}"], 3_000);
        if (probe.code === 0 && probe.stdout.trim() !== "") return "docker";
      } catch (e) {
        // A refused grant is a bug to see, not a missing docker.
        if ((e as Error).name === "NotCapable") throw e;
      }
    }
    if (programs.podman) return "podman";
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
  constructor(
    readonly name: RuntimeName,
    readonly program: string,
    private readonly log: LogSink = () => {},
  ) {}

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
    // deno-lint-ignore no-explicit-any
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

  /**
   * Pulls the image when missing and runs the container. Containers this
   * address already has (the one a replace supersedes, one left stopped) are
   * stopped and set aside until the new one runs, then removed; when the new
   * one fails they are put back as they were, and the failed container is
   * removed after its output is in the log, so a failed create leaves
   * nothing behind that state does not record.
   */
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
    const previous: SetAside[] = [];
    let started: ContainerInspection;
    try {
      await this.setAside(spec, previous);
      started = await this.start(spec);
    } catch (error) {
      const unrestored = await this.putBack(previous);
      if (unrestored.length === 0 || !(error instanceof Error)) throw error;
      throw new ContainerError(`${error.message}; ${unrestored.join("; ")}`);
    }
    for (const old of previous) {
      // The new container runs and must be recorded: a stopped leftover is removed by the next create.
      await this.remove(old.currentName).catch((error: Error) =>
        this.log(`clockwork: could not remove the previous container: ${error.message}\n`)
      );
    }
    return started;
  }

  /** Stops the containers `spec.address` has and moves the one holding `spec.name` out of its way. */
  private async setAside(spec: ContainerSpec, previous: SetAside[]): Promise<void> {
    for (const name of new Set([spec.name, ...await this.namesFor(spec.address)])) {
      const found = await this.inspectByName(name);
      if (!found.exists || found.address !== spec.address) continue;
      const old: SetAside = { name, currentName: name, wasRunning: found.running };
      previous.push(old);
      if (found.running) {
        await this.mustSucceed(["stop", "--time", "3", name], `stop container "${name}"`);
      }
      if (name === spec.name) {
        const aside = `${name}-previous-${(found.id ?? crypto.randomUUID()).slice(0, 12)}`;
        await this.mustSucceed(["rename", name, aside], `rename container "${name}"`);
        old.currentName = aside;
      }
    }
  }

  /** Restores set-aside containers: their names, and running again when they were. Returns what failed. */
  private async putBack(previous: readonly SetAside[]): Promise<string[]> {
    const problems: string[] = [];
    for (const old of previous) {
      try {
        if (old.currentName !== old.name) {
          await this.mustSucceed(
            ["rename", old.currentName, old.name],
            `rename it back to "${old.name}"`,
          );
          old.currentName = old.name;
        }
        if (old.wasRunning) await this.mustSucceed(["start", old.name], "start it again");
      } catch (error) {
        problems.push(
          `the previous container is kept as "${old.currentName}" but could not be restored: ${
            (error as Error).message
          }`,
        );
      }
    }
    return problems;
  }

  private async mustSucceed(args: readonly string[], what: string): Promise<void> {
    const result = await this.exec(args, 60_000);
    if (result.code !== 0) {
      throw new ContainerError(`could not ${what}: ${lastLine(result.stderr)}`);
    }
  }

  /** Runs the new container; when it does not keep running, removes it and throws why. */
  private async start(spec: ContainerSpec): Promise<ContainerInspection> {
    const result = await this.exec(await runArguments(this.name, spec), 300_000);
    if (result.code !== 0) {
      const reason = lastLine(result.stderr);
      // A run can create the container and then fail to start it (a port in use).
      const leftover = await this.discardNew(spec);
      throw new ContainerError(
        `${this.name} could not start container "${spec.name}": ${reason}${leftover}`,
      );
    }
    // A moment for a command that fails at once to exit, so the error shows here.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = await this.inspectByName(spec.name);
    if (!started.running) {
      // Into the step log before the container goes, so why it died stays visible.
      const tail = await this.exec(["logs", "--tail", "20", spec.name], 30_000);
      const leftover = await this.discardNew(spec);
      throw new ContainerError(
        `container "${spec.name}" exited right after starting (${started.status}): ${
          lastLine(tail.stdout + tail.stderr) || "no output"
        }${leftover}`,
      );
    }
    return started;
  }

  /**
   * Removes what the failed run left under `spec.name` (the old ones are set
   * aside by then). Returns "" or, when that fails, what to add to the error.
   */
  private async discardNew(spec: ContainerSpec): Promise<string> {
    try {
      const left = await this.inspectByName(spec.name);
      if (left.exists && left.address === spec.address) await this.remove(spec.name);
      return "";
    } catch (error) {
      return `; the failed container is left behind: ${(error as Error).message}`;
    }
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
  programs: Programs,
  preferred: RuntimeName | null,
  log?: LogSink,
): Promise<ContainerRuntime> {
  const name = await detectRuntime(programs, preferred);
  return new ContainerRuntime(name, programs[name]!, log);
}
