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
import { checkDiskUsage, checkProcessNotRunning, checkProcessRunning } from "./_system.ts";
import type {
  AssertionResult,
  ContainerProbe,
  FileAccess,
  RemoteHost,
  RunAssertionsOptions,
  Verdict,
} from "./types.ts";

type Check = (
  assertion: Assertion,
  args: Args,
  probe: ContainerProbe | undefined,
  files: FileAccess,
) => Promise<Verdict>;

const CHECKS: Record<Assertion["kind"], Check> = {
  http: (_, args) => checkHttp(args),
  port: (_, args) => checkPort(args),
  response_time: (_, args) => checkResponseTime(args),
  container_running: checkContainerRunning,
  container_healthy: checkContainerHealthy,
  log_contains: checkLogContains,
  file_exists: (_, args, __, files) => checkFileExists(args, files),
  file_permissions: (_, args, __, files) => checkFilePermissions(args, files),
  file_size: (_, args, __, files) => checkFileSize(args, files),
  file_content: (_, args, __, files) => checkFileContent(args, files),
  memory_usage: checkMemoryUsage,
  cpu_usage: checkCpuUsage,
  disk_usage: (_, args) => checkDiskUsage(args),
  process_running: (_, args) => checkProcessRunning(args),
  process_not_running: (_, args) => checkProcessNotRunning(args),
};

/** Kinds that read the checked machine's files: on a host, they read the host's. */
const FILE_KINDS: ReadonlySet<string> = new Set([
  "file_exists",
  "file_permissions",
  "file_size",
  "file_content",
]);

/** Kinds whose URL or address names what they reach: checked from this machine. */
const NETWORK_KINDS: ReadonlySet<string> = new Set(["http", "port", "response_time"]);

/** Whether `kind` cannot be checked on `host` (and must not be checked here instead). */
function unsupportedOn(host: RemoteHost | undefined, kind: string): boolean {
  return host !== undefined && !FILE_KINDS.has(kind) && !NETWORK_KINDS.has(kind);
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
  const started = performance.now();
  let verdict: Verdict;
  try {
    const check = CHECKS[assertion.kind];
    if (!check) throw new ArgumentError(`unknown assertion kind "${assertion.kind}"`);
    if (unsupportedOn(host, assertion.kind)) {
      // Checking this machine instead would prove nothing about the host.
      throw new Error(
        `${assertion.kind} cannot be checked on a host yet (the resource runs on host ${
          JSON.stringify(host!.name)
        }); file and network assertions can`,
      );
    }
    const files = host && FILE_KINDS.has(assertion.kind) ? host.files : LOCAL_FILES;
    verdict = await check(assertion, new Args(assertion), probe, files);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    verdict = {
      passed: false,
      expected: expectationOf(assertion),
      actual: error instanceof ArgumentError ? "invalid arguments" : "error",
      message: error instanceof ArgumentError ? `invalid assertion: ${text}` : text,
    };
  }
  return {
    address: assertion.owner,
    kind: assertion.kind,
    ...verdict,
    duration_ms: Math.round(performance.now() - started),
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
      const result = await runAssertion(assertions[index]!, options.probe, hostOf(index));
      if (result.passed || performance.now() + pause > deadline) {
        return { ...result, duration_ms: Math.round(performance.now() - started) };
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < assertions.length) {
      const index = next++;
      const kind = assertions[index]!.kind;
      // Waiting cannot make a kind checkable on a host.
      const retried = (options.retryKinds?.has(kind) ?? true) &&
        !unsupportedOn(hostOf(index), kind);
      const result = retryMs > 0 && retried
        ? await settle(index)
        : await runAssertion(assertions[index]!, options.probe, hostOf(index));
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
