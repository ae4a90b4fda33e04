/** Runs assertions concurrently, with a bound, and never lets one failure stop the others. */
import type { Assertion } from "../config/mod.ts";
import { Args, ArgumentError } from "./_args.ts";
import {
  checkContainerHealthy,
  checkContainerRunning,
  checkCpuUsage,
  checkLogContains,
  checkMemoryUsage,
} from "./_container.ts";
import {
  checkFileContent,
  checkFileExists,
  checkFilePermissions,
  checkFileSize,
  LOCAL_FILES,
} from "./_files.ts";
import { checkHttp, checkPort, checkResponseTime } from "./_net.ts";
import {
  checkDiskUsage,
  checkProcessNotRunning,
  checkProcessRunning,
  LOCAL_SYSTEM,
} from "./_system.ts";
import type {
  AssertionResult,
  ContainerProbe,
  FileAccess,
  RemoteHost,
  RunAssertionsOptions,
  SystemAccess,
  Verdict,
} from "./types.ts";

/** What a check reads: this machine, or the host of the assertion's resource. */
interface Machine {
  readonly files: FileAccess;
  readonly system: SystemAccess;
  readonly probe: ContainerProbe | undefined;
}

type Check = (assertion: Assertion, args: Args, machine: Machine) => Promise<Verdict>;

const CHECKS: Record<Assertion["kind"], Check> = {
  http: (_, args) => checkHttp(args),
  port: (_, args) => checkPort(args),
  response_time: (_, args) => checkResponseTime(args),
  container_running: (assertion, args, m) => checkContainerRunning(assertion, args, m.probe),
  container_healthy: (assertion, args, m) => checkContainerHealthy(assertion, args, m.probe),
  log_contains: (assertion, args, m) => checkLogContains(assertion, args, m.probe),
  file_exists: (_, args, m) => checkFileExists(args, m.files),
  file_permissions: (_, args, m) => checkFilePermissions(args, m.files),
  file_size: (_, args, m) => checkFileSize(args, m.files),
  file_content: (_, args, m) => checkFileContent(args, m.files),
  memory_usage: (assertion, args, m) => checkMemoryUsage(assertion, args, m.probe, m.system),
  cpu_usage: (assertion, args, m) => checkCpuUsage(assertion, args, m.probe, m.system),
  disk_usage: (_, args, m) => checkDiskUsage(args, m.system),
  process_running: (_, args, m) => checkProcessRunning(args, m.system),
  process_not_running: (_, args, m) => checkProcessNotRunning(args, m.system),
};

/** Kinds whose URL or address names what they reach: checked from this machine. */
const NETWORK_KINDS: ReadonlySet<string> = new Set(["http", "port", "response_time"]);

const CONTAINER_KINDS: ReadonlySet<string> = new Set([
  "container_running",
  "container_healthy",
  "log_contains",
]);

/** memory_usage and cpu_usage measure a container unless they name a process (and no container). */
function measuresContainer(assertion: Assertion): boolean {
  const { process, container } = assertion.args;
  return (assertion.kind === "memory_usage" || assertion.kind === "cpu_usage") &&
    (typeof process !== "string" || container !== undefined);
}

/**
 * Whether `assertion` cannot be checked on `host`: containers on a host are
 * not managed (src/forge refuses them), so there is no runtime to ask there,
 * and asking this machine's would prove nothing about the host.
 */
function unsupportedOn(host: RemoteHost | undefined, assertion: Assertion): boolean {
  return host !== undefined &&
    (CONTAINER_KINDS.has(assertion.kind) || measuresContainer(assertion));
}

const THIS_MACHINE = { files: LOCAL_FILES, system: LOCAL_SYSTEM };

function machineFor(
  assertion: Assertion,
  host: RemoteHost | undefined,
  probe: ContainerProbe | undefined,
): Machine {
  if (host === undefined || NETWORK_KINDS.has(assertion.kind)) return { ...THIS_MACHINE, probe };
  return { files: host.files, system: host.system, probe: undefined };
}

/** What an assertion asked for, for results whose check could not run at all. */
function expectationOf(assertion: Assertion): string {
  const a = assertion.args;
  const show = (
    name: string,
  ) => (a[name] === undefined || a[name] === null ? "?" : String(a[name]));
  switch (assertion.kind) {
    case "http":
      return show("expect_status") === "?" ? "200" : show("expect_status");
    case "port":
      return `${a.host ?? "127.0.0.1"}:${show("port")} accepts connections`;
    case "response_time":
      return `at most ${show("max_ms")} ms`;
    case "container_running":
      return "running";
    case "container_healthy":
      return "healthy";
    case "log_contains":
      return `/${show("pattern")}/ in the last ${a.lines ?? 100} log lines`;
    case "memory_usage":
      return `at most ${show("max_mb")} MB`;
    case "cpu_usage":
    case "disk_usage":
      return a.max_percent !== undefined
        ? `at most ${show("max_percent")}%`
        : `at most ${show("max_mb")} MB`;
    case "process_running":
      return `a process "${show("name")}"`;
    case "process_not_running":
      return `no process "${show("name")}"`;
    default:
      return "exists";
  }
}

/**
 * Runs one assertion, on `host` when its resource runs there; errors become
 * a failed result, never an exception.
 */
export async function runAssertion(
  assertion: Assertion,
  probe?: ContainerProbe,
  host?: RemoteHost,
): Promise<AssertionResult> {
  return (await judge(assertion, probe, host)).result;
}

/** One assertion's result, and whether a failure is final (retrying cannot change it). */
async function judge(
  assertion: Assertion,
  probe?: ContainerProbe,
  host?: RemoteHost,
): Promise<{ result: AssertionResult; final: boolean }> {
  const started = performance.now();
  let verdict: Verdict;
  try {
    const check = CHECKS[assertion.kind];
    if (!check) throw new ArgumentError(`unknown assertion kind "${assertion.kind}"`);
    if (unsupportedOn(host, assertion)) {
      throw new Error(
        `containers cannot be checked on a host (the resource runs on host ${
          JSON.stringify(host!.name)
        }); file, process, disk and network assertions can`,
      );
    }
    verdict = await check(assertion, new Args(assertion), machineFor(assertion, host, probe));
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    verdict = {
      passed: false,
      expected: expectationOf(assertion),
      actual: error instanceof ArgumentError ? "invalid arguments" : "error",
      message: error instanceof ArgumentError ? `invalid assertion: ${text}` : text,
      final: error instanceof ArgumentError,
    };
  }
  const { final = false, ...seen } = verdict;
  return {
    result: {
      address: assertion.owner,
      kind: assertion.kind,
      ...seen,
      duration_ms: Math.round(performance.now() - started),
    },
    final,
  };
}

/**
 * Runs every assertion, at most `concurrency` at a time; results come back
 * in the order of `assertions`.
 */
export async function runAssertions(
  assertions: readonly Assertion[],
  options: RunAssertionsOptions = {},
): Promise<AssertionResult[]> {
  const results: AssertionResult[] = new Array(assertions.length);
  const limit = Math.max(1, Math.floor(options.concurrency ?? 8));
  const retryMs = Math.max(0, options.retryFailedForMs ?? 0);
  const deadline = performance.now() + retryMs;
  const pause = Math.max(10, options.retryIntervalMs ?? 500);
  const hostOf = (index: number) => options.hostOf?.(assertions[index]!);
  const settle = async (index: number): Promise<AssertionResult> => {
    const started = performance.now();
    for (;;) {
      const { result, final } = await judge(assertions[index]!, options.probe, hostOf(index));
      if (result.passed || final || performance.now() + pause > deadline) {
        return { ...result, duration_ms: Math.round(performance.now() - started) };
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < assertions.length) {
      const index = next++;
      const assertion = assertions[index]!;
      // Waiting cannot make a container checkable on a host.
      const retried = (options.retryKinds?.has(assertion.kind) ?? true) &&
        !unsupportedOn(hostOf(index), assertion);
      const result = retryMs > 0 && retried
        ? await settle(index)
        : await runAssertion(assertion, options.probe, hostOf(index));
      results[index] = result;
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, assertions.length) }, worker));
  return results;
}

export function summarize(results: readonly AssertionResult[]): { passed: number; failed: number } {
  const passed = results.filter((r) => r.passed).length;
  return { passed, failed: results.length - passed };
}
