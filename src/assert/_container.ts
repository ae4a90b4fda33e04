/** Container kinds and the resource-usage kinds, which target a container or a process. */
import { addressSteps, type Assertion } from "../config/mod.ts";
import { type Args, ArgumentError, mb, MIB } from "./_args.ts";
import { NotRunning, processCpuPercent, processMemoryBytes } from "./_system.ts";
import type { ContainerProbe, ContainerRef, SystemAccess, Verdict } from "./types.ts";

/** `container.web`, `container.web[0]`, `module.m["a.b"].container.web`: an address, not a name. */
export function isContainerAddress(text: string): boolean {
  const steps = addressSteps(text);
  if (!steps || steps.length < 2 || steps.length % 2 !== 0) return false;
  for (let i = 0; i < steps.length - 2; i += 2) if (steps[i].name !== "module") return false;
  const type = steps[steps.length - 2];
  return type.name === "container" && type.key === null;
}

/** The `container` argument (a name, or an address like `container.web`), else the enclosing container. */
export function containerTarget(assertion: Assertion, args: Args): ContainerRef | null {
  const given = args.string("container", null);
  if (given !== null) return isContainerAddress(given) ? { address: given } : { name: given };
  if (assertion.ownerType === "container") return { address: assertion.owner };
  return null;
}

function describeRef(ref: ContainerRef): string {
  return "address" in ref ? ref.address : `container "${ref.name}"`;
}

function requireTarget(assertion: Assertion, args: Args): ContainerRef {
  const ref = containerTarget(assertion, args);
  if (!ref) {
    throw new ArgumentError(
      `${assertion.kind} outside a container resource needs a "container" argument`,
    );
  }
  return ref;
}

function requireProbe(probe: ContainerProbe | undefined): ContainerProbe {
  if (!probe) throw new Error("no container runtime is available to this run");
  return probe;
}

export async function checkContainerRunning(
  assertion: Assertion,
  args: Args,
  probe: ContainerProbe | undefined,
): Promise<Verdict> {
  const ref = requireTarget(assertion, args);
  const status = await requireProbe(probe).inspect(ref);
  const what = describeRef(ref);
  return {
    passed: status.running,
    expected: "running",
    actual: status.exists ? status.status : "missing",
    message: status.running
      ? `${what} is running`
      : status.exists
      ? `${what} is ${status.status}, not running`
      : `${what} does not exist`,
  };
}

export async function checkContainerHealthy(
  assertion: Assertion,
  args: Args,
  probe: ContainerProbe | undefined,
): Promise<Verdict> {
  const ref = requireTarget(assertion, args);
  const status = await requireProbe(probe).inspect(ref);
  const what = describeRef(ref);
  const actual = !status.exists
    ? "missing"
    : !status.running
    ? status.status
    : status.health ?? "no healthcheck";
  const passed = status.running && status.health === "healthy";
  const noHealthcheck = status.exists && status.running && status.health === null;
  return {
    passed,
    expected: "healthy",
    actual,
    // A running container without a healthcheck will not grow one by waiting.
    final: noHealthcheck,
    message: passed
      ? `${what} is healthy`
      : status.exists && status.running && status.health === null
      ? `${what} has no healthcheck to report health`
      : `${what} is ${actual}, not healthy`,
  };
}

export async function checkLogContains(
  assertion: Assertion,
  args: Args,
  probe: ContainerProbe | undefined,
): Promise<Verdict> {
  const ref = requireTarget(assertion, args);
  const pattern = args.regex("pattern");
  const lines = args.number("lines", 100);
  const expected = `/${pattern.source}/ in the last ${lines} log lines`;
  const source = requireProbe(probe);
  const status = await source.inspect(ref);
  const what = describeRef(ref);
  if (!status.exists) {
    return { passed: false, expected, actual: "missing", message: `${what} does not exist` };
  }
  const log = await source.logs(ref, lines);
  const found = log.split("\n").find((line) => pattern.test(line));
  const count = log === "" ? 0 : log.replace(/\n$/, "").split("\n").length;
  return {
    passed: found !== undefined,
    expected,
    actual: found !== undefined
      ? `found: ${found.trim().slice(0, 120)}`
      : `no match in ${count} lines`,
    message: found !== undefined
      ? `${what} logged a line matching /${pattern.source}/`
      : `${what} logged no line matching /${pattern.source}/ in its last ${lines} lines`,
  };
}

type UsageTarget = { container: ContainerRef } | { process: string };

function usageTarget(assertion: Assertion, args: Args): UsageTarget {
  const processName = args.string("process", null);
  if (processName !== null && !args.has("container")) return { process: processName };
  const ref = containerTarget(assertion, args);
  if (ref) return { container: ref };
  throw new ArgumentError(
    `${assertion.kind} needs a "container" or "process" argument outside a container resource`,
  );
}

async function measured<T>(
  expected: string,
  measure: () => Promise<T>,
): Promise<{ value: T } | Verdict> {
  try {
    return { value: await measure() };
  } catch (error) {
    if (error instanceof NotRunning) {
      return { passed: false, expected, actual: "not running", message: error.message };
    }
    throw error;
  }
}

export async function checkMemoryUsage(
  assertion: Assertion,
  args: Args,
  probe: ContainerProbe | undefined,
  system: SystemAccess,
): Promise<Verdict> {
  const target = usageTarget(assertion, args);
  const maxMb = args.number("max_mb");
  const expected = `at most ${maxMb} MB`;
  const what = "process" in target ? `process "${target.process}"` : describeRef(target.container);
  const result = await measured(
    expected,
    () =>
      "process" in target
        ? processMemoryBytes(system, target.process)
        : containerUsage(requireProbe(probe), target.container, what).then((s) => s.memoryBytes),
  );
  if (!("value" in result)) return result;
  const bytes = result.value;
  const passed = bytes <= maxMb * MIB;
  return {
    passed,
    expected,
    actual: mb(bytes),
    message: `${what} uses ${mb(bytes)}` + (passed ? "" : `, more than ${maxMb} MB`),
  };
}

export async function checkCpuUsage(
  assertion: Assertion,
  args: Args,
  probe: ContainerProbe | undefined,
  system: SystemAccess,
): Promise<Verdict> {
  const target = usageTarget(assertion, args);
  const maxPercent = args.number("max_percent");
  const sampleMs = args.durationMs("sample", 1_000);
  const expected = `at most ${maxPercent}%`;
  const what = "process" in target ? `process "${target.process}"` : describeRef(target.container);
  const result = await measured(
    expected,
    () =>
      "process" in target
        ? processCpuPercent(system, target.process, sampleMs)
        : containerUsage(requireProbe(probe), target.container, what).then((s) => s.cpuPercent),
  );
  if (!("value" in result)) return result;
  const percent = Math.round(result.value * 10) / 10;
  const passed = percent <= maxPercent;
  return {
    passed,
    expected,
    actual: `${percent}%`,
    message: `${what} uses ${percent}% CPU` + (passed ? "" : `, more than ${maxPercent}%`),
  };
}

async function containerUsage(probe: ContainerProbe, ref: ContainerRef, what: string) {
  const status = await probe.inspect(ref);
  if (!status.running) throw new NotRunning(what);
  return probe.stats(ref);
}
