/**
 * The desired container, normalised from resource attributes, and the runtime
 * arguments that create it. Pure: no process is spawned here.
 */
import { createHash } from "node:crypto";
import { isAbsolute, resolve } from "node:path";

export const ADDRESS_LABEL = "io.clockwork.address";
export const DIGEST_LABEL = "io.clockwork.config-digest";

export type RuntimeName = "docker" | "podman";

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

/** Host paths of bind mounts resolve like every other relative path: against the module directory. */
function resolveVolume(volume: string, baseDir: string | undefined): string {
  const [host, ...rest] = volume.split(":");
  if (
    host === undefined || rest.length === 0 || isAbsolute(host) ||
    !host.includes("/") && host !== "." && host !== ".."
  ) {
    return volume; // absolute path, or a named volume
  }
  return [resolve(baseDir ?? Deno.cwd(), host), ...rest].join(":");
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
  baseDir?: string,
): ContainerSpec {
  const image = attributes.image;
  if (typeof image !== "string" || image === "") throw new Error(`${address}: "image" is required`);
  const runtime = attributes.runtime ?? null;
  if (runtime !== null && runtime !== "docker" && runtime !== "podman") {
    throw new Error(
      `${address}: runtime must be "docker" or "podman", not ${JSON.stringify(runtime)}`,
    );
  }
  const envValue = attributes.env ?? {};
  if (typeof envValue !== "object" || envValue === null || Array.isArray(envValue)) {
    throw new Error(`${address}: env must be a map of strings`);
  }
  const env: Record<string, string> = {};
  for (const key of Object.keys(envValue).sort()) {
    env[key] = asString((envValue as Record<string, unknown>)[key], `env.${key}`);
  }
  const name = attributes.name;
  return {
    address,
    name: typeof name === "string" && name !== "" ? name : defaultContainerName(address),
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
export function configDigest(spec: ContainerSpec): string {
  const { address: _address, ...config } = spec;
  return createHash("sha256").update(canonicalJson(config)).digest("hex");
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
export function runArguments(runtime: RuntimeName, spec: ContainerSpec): string[] {
  const args = [
    "run",
    "--detach",
    "--name",
    spec.name,
    "--label",
    `${ADDRESS_LABEL}=${spec.address}`,
    "--label",
    `${DIGEST_LABEL}=${configDigest(spec)}`,
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
