/**
 * `clockwork assert [DIR] [--target ADDR]…`: runs every assertion of the
 * configuration (resources' `assert` blocks and `check` blocks) against what
 * is live now. Exit 0 when all pass, 3 when any fails, 1 on a configuration
 * error. Also the assertion phase `apply` runs for what it applied.
 */
import {
  type AssertionResult,
  type ContainerProbe,
  runAssertions,
  type RunAssertionsOptions,
  summarize,
} from "../../assert/mod.ts";
import type { Assertion, Config } from "../../config/mod.ts";
import { hasErrors } from "../../hcl/mod.ts";
import { checkTargetAddress, matchesTarget } from "../../plan/mod.ts";
import { jsonOut, mark, painter, renderTable } from "../views/mod.ts";
import { configDir, loadConfiguration } from "../pipeline.ts";
import { ContainerRunner } from "../container_runner.ts";
import type { Command, CommandContext, Io } from "./_types.ts";

/** Exit code when an assertion fails (CLI.md). */
export const ASSERTION_FAILED_EXIT = 3;

/**
 * Runs `assertions` with the hosts of their resources: the runner plugins
 * (and their module graph) load only when some resource runs on a host.
 */
async function runOnTheirHosts(
  config: Config,
  assertions: readonly Assertion[],
  options: RunAssertionsOptions,
): Promise<AssertionResult[]> {
  const onHosts = config.resources.some((r) => r.host !== null && r.asserts.length > 0);
  if (!onHosts) return await runAssertions(assertions, options);
  const { assertionHosts } = await import("../host_access.ts");
  const hosts = assertionHosts(config);
  try {
    return await runAssertions(assertions, { ...options, hostOf: hosts.hostOf });
  } finally {
    hosts.close();
  }
}

export function selectAssertions(config: Config, targets: readonly string[] = []): Assertion[] {
  const chosen = (address: string) =>
    targets.length === 0 || targets.some((t) => matchesTarget(address, t));
  const fromResources = config.resources.filter((r) => chosen(r.address)).flatMap((r) => r.asserts);
  const fromChecks = config.checks
    .filter((c) => targets.length === 0 || targets.includes(`check.${c.name}`))
    .flatMap((c) => c.asserts);
  return [...fromResources, ...fromChecks];
}

export interface AssertionRun {
  results: AssertionResult[];
  summary: { passed: number; failed: number };
}

export interface ApplyAssertionOptions {
  /** Called as each result arrives (apply emits `assert_result` events from here). */
  onResult?: (result: AssertionResult) => void;
  /** Assertions run at once (default 8). */
  concurrency?: number;
  /** Also run `check` blocks (default true: they describe the whole configuration). */
  includeChecks?: boolean;
  /** Defaults to the runner-container plugin's probe (started on the first container assertion). */
  probe?: ContainerProbe;
  /**
   * How long a failing assertion is retried before it counts (default 10 s):
   * a service apply just started may take a moment to answer.
   */
  settleMs?: number;
}

/**
 * The assertions of the resources apply just applied (created, updated or
 * replaced), plus the `check` blocks. Apply exits 3 when `summary.failed > 0`,
 * after state is recorded.
 */
/**
 * Kinds that look at something a step may still be starting (a service, a
 * container, a process); only these are given time to settle after apply.
 * Files and disks are final once their step has finished.
 */
const SETTLING_KINDS: ReadonlySet<string> = new Set([
  "http",
  "port",
  "response_time",
  "container_running",
  "container_healthy",
  "log_contains",
  "memory_usage",
  "cpu_usage",
  "process_running",
  "process_not_running",
]);

export async function runApplyAssertions(
  config: Config,
  appliedAddresses: readonly string[],
  options: ApplyAssertionOptions = {},
): Promise<AssertionRun> {
  const applied = new Set(appliedAddresses);
  const assertions = [
    ...config.resources.filter((r) => applied.has(r.address)).flatMap((r) => r.asserts),
    ...(options.includeChecks === false ? [] : config.checks.flatMap((c) => c.asserts)),
  ];
  using containers = options.probe ? null : new ContainerRunner(config.rootDir);
  const results = await runOnTheirHosts(config, assertions, {
    probe: options.probe ?? containers!.probe(),
    concurrency: options.concurrency,
    onResult: options.onResult,
    retryFailedForMs: options.settleMs ?? 10_000,
    retryKinds: SETTLING_KINDS,
  });
  return { results, summary: summarize(results) };
}

/** The human view: one row per assertion with ✓/✗, expected and actual, then why each failure failed. */
export function renderAssertionResults(
  io: Pick<Io, "color">,
  results: readonly AssertionResult[],
): string {
  const paint = painter(io);
  const rows = results.map((r) => [
    mark(r.passed, paint),
    r.address,
    r.kind,
    r.expected,
    r.passed ? r.actual : paint("error", r.actual),
    `${r.duration_ms} ms`,
  ]);
  const table = renderTable(rows, {
    header: ["", "ADDRESS", "KIND", "EXPECTED", "ACTUAL", "TIME"],
    paint,
    alignRight: [5],
  });
  const failures = results.filter((r) => !r.passed)
    .map((r) => `${mark(false, paint)} ${r.address} ${r.kind}: ${r.message}`);
  const { passed, failed } = summarize(results);
  const total = `${passed} passed, ${failed} failed.`;
  return [table, ...(failures.length ? ["", ...failures] : []), "", total].join("\n") + "\n";
}

export const assertCommand: Command = {
  name: "assert",
  summary: "run every assertion against what is live now",
  usage: "clockwork assert [DIR] [--target ADDR]...",
  description: "Runs the assert blocks of every resource and every check block against the live\n" +
    "system, without changing anything. Exit 0 when all pass, 3 when any fails.",
  options: {
    target: {
      type: "string",
      multiple: true,
      valueName: "ADDR",
      description: "only this resource's assertions, or check.NAME (repeatable)",
    },
  },
  positionals: { min: 0, max: 1, names: "[DIR]" },
  async run(ctx: CommandContext) {
    const targets = (ctx.values.target as string[] | undefined) ?? [];
    const loaded = loadConfiguration(ctx, configDir(ctx));
    const config = loaded.config;
    const diagnostics = [...loaded.diagnostics];
    for (const t of targets) {
      const invalid = checkTargetAddress(t);
      if (invalid) diagnostics.push(invalid);
    }
    ctx.reportDiagnostics(diagnostics);
    if (!config || hasErrors(diagnostics)) {
      if (ctx.globals.json) {
        jsonOut(ctx.io, {
          results: [],
          summary: { passed: 0, failed: 0 },
          diagnostics: ctx.takeJsonDiagnostics(),
        });
      }
      return 1;
    }
    const assertions = selectAssertions(config, targets);
    if (targets.length > 0 && assertions.length === 0) {
      ctx.reportDiagnostics([{
        severity: "warning",
        code: "CW6001",
        summary: `No assertions match --target ${targets.join(", ")}`,
        notes: ["targets are resource addresses (container.web, module.cache) or check.NAME"],
      }]);
    }
    using containers = new ContainerRunner(config.rootDir);
    const results = await runOnTheirHosts(config, assertions, { probe: containers.probe() });
    const summary = summarize(results);
    if (ctx.globals.json) {
      jsonOut(ctx.io, { results, summary, diagnostics: ctx.takeJsonDiagnostics() });
    } else if (results.length === 0) {
      ctx.io.stdout("No assertions to run.\n");
    } else {
      ctx.io.stdout(renderAssertionResults(ctx.io, results));
    }
    return summary.failed > 0 ? ASSERTION_FAILED_EXIT : 0;
  },
};
