/**
 * The shared front of `validate`, `plan`, `apply`, `destroy`, `graph`…:
 * configuration directory → Config (with the command's variable inputs), and
 * Config + recorded + observed state → Plan.
 */
import { createHash } from "node:crypto";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { FilledValue } from "../ai/mod.ts";
import { type Config, loadConfig, type LoadOptions } from "../config/mod.ts";
import { type Diagnostic, type SourceFile } from "../hcl/mod.ts";
import { isPlanFile, makePlan as planDiff, type Plan } from "../plan/mod.ts";
import type { Observation, State } from "../state/mod.ts";
import type { CommandContext } from "./commands/_types.ts";
import { readSettings, settingsBlockOf } from "./settings.ts";
import { readStateOf, stateSettingsOf, withStateStore } from "./state_backend.ts";

export interface LoadedConfiguration {
  /** Absent when the directory could not be read at all. */
  readonly config: Config | undefined;
  readonly diagnostics: Diagnostic[];
  readonly sources: SourceFile[];
}

/** The configuration directory a command works on: its DIR argument, or the working directory. */
export function configDir(ctx: CommandContext, given?: string): string {
  return resolve(ctx.cwd, given ?? ctx.positionals[0] ?? ".");
}

/**
 * Reads and evaluates the configuration in `dir` with the variable values of
 * this invocation (`--var`, `--var-file`, `CW_VAR_*`, `*.cwvars`), and
 * registers every file read so diagnostics show snippets.
 */
export function loadConfiguration(
  ctx: CommandContext,
  dir: string,
  options: Pick<LoadOptions, "aiValues" | "planned"> = {},
): LoadedConfiguration {
  const notDirectory = fileGivenAsDirectory(ctx, dir);
  if (notDirectory) return { config: undefined, diagnostics: [notDirectory], sources: [] };
  const aiValues = options.aiValues;
  const result = loadConfig({
    dir,
    vars: ctx.globals.vars,
    varFiles: ctx.globals.varFiles,
    env: ctx.env,
    cwd: ctx.cwd,
    ...options,
  });
  if (aiValues) return result;
  ctx.registerSource(...result.sources);
  // Settings are checked with the configuration, so a bad value in its
  // clockwork block or in .env stops every command that reads it.
  const settings = readSettings({
    configDir: dir,
    block: settingsBlockOf(result.config),
    env: ctx.env,
    globals: ctx.globals,
  });
  if (settings.dotenv) ctx.registerSource(settings.dotenv);
  if (settings.diagnostics.length === 0) return result;
  return { ...result, diagnostics: [...result.diagnostics, ...settings.diagnostics] };
}

/** `path` as the user would write it from the working directory. */
export function shownPath(ctx: CommandContext, path: string): string {
  const rel = relative(ctx.cwd, path);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/**
 * CW2024 when DIR is a file: a `.cw` file (its directory was meant) or a saved
 * plan (meant for `apply`). Reported here, before the loader would call the
 * file a missing directory and the settings reader would look for `FILE/.env`.
 */
function fileGivenAsDirectory(ctx: CommandContext, dir: string): Diagnostic | undefined {
  let isFile: boolean;
  try {
    isFile = !Deno.statSync(dir).isDirectory;
  } catch {
    return undefined; // missing or unreadable: the loader says so
  }
  if (!isFile) return undefined;
  const shown = shownPath(ctx, dir);
  if (isPlanFile(dir)) {
    return {
      severity: "error",
      code: "CW2024",
      summary: `${shown} is a saved plan, not a configuration directory`,
      detail:
        `apply it with \`clockwork apply ${shown}\`; this command takes the directory that holds the *.cw files`,
    };
  }
  return {
    severity: "error",
    code: "CW2024",
    summary: `${shown} is a file, not a configuration directory`,
    detail:
      `a configuration is all the *.cw files of a directory: give the directory that holds ${shown} (${
        shownPath(ctx, dirname(dir))
      }) instead`,
  };
}

/** Whether `dir` is a readable directory without a single *.cw file. */
export function hasNoConfigurationFiles(dir: string): boolean {
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if ((entry.isFile || entry.isSymlink) && entry.name.endsWith(".cw")) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * The configuration of a directory whose *.cw files are gone: nothing
 * declared and default settings, so the state is found where it is by default
 * and `destroy` plans to remove everything it records (as Terraform's destroy
 * does with an empty configuration).
 */
export function emptyConfiguration(dir: string): Config {
  return {
    format_version: "1",
    rootDir: resolve(dir),
    files: [],
    digest: createHash("sha256").digest("hex"),
    settings: { requiredVersion: null, ai: null, state: null },
    variables: {},
    resources: [],
    hosts: [],
    outputs: [],
    checks: [],
  };
}

/** What the state at the default location records, and where that is. */
export async function defaultStateOf(
  dir: string,
): Promise<{ state: State | null; location: string; diagnostics: Diagnostic[] }> {
  return await withStateStore(
    dir,
    stateSettingsOf(null),
    async (store) => {
      const read = await store.read();
      return { state: read.value, location: store.location.state, diagnostics: read.diagnostics };
    },
    (diagnostics) => ({ state: null, location: "", diagnostics }),
  );
}

/**
 * A configuration that failed to load because `dir` has no *.cw files, while
 * the state still records resources: a note on the CW2024 error that
 * `clockwork destroy` removes them (plan and apply need the configuration).
 * `planFile`: the saved plan this command was given, which applies only in the
 * directory it was made from (a plan file does not record that directory).
 */
export async function explainMissingConfiguration(
  ctx: CommandContext,
  dir: string,
  diagnostics: readonly Diagnostic[],
  planFile?: string,
): Promise<Diagnostic[]> {
  if (!hasNoConfigurationFiles(dir)) return [...diagnostics];
  const notes: string[] = [];
  if (planFile !== undefined) {
    const path = resolve(ctx.cwd, planFile);
    // Plans are usually saved beside the configuration they were made from.
    const beside = hasNoConfigurationFiles(dirname(path)) ? "DIR" : dirname(path);
    notes.push(
      `a saved plan does not record its configuration directory and applies in the one it was made from: \`clockwork -C ${beside} apply ${path}\``,
    );
  } else {
    const recorded = await defaultStateOf(dir);
    const count = recorded.state?.resources.length ?? 0;
    if (count > 0) {
      notes.push(
        `the state (${shownPath(ctx, recorded.location)}) still records ${count} resource${
          count === 1 ? "" : "s"
        }; to tear ${
          count === 1 ? "it" : "them"
        } down without a configuration, run \`clockwork destroy\``,
      );
    }
  }
  if (notes.length === 0) return [...diagnostics];
  return diagnostics.map((d) =>
    d.code === "CW2024" && d.severity === "error"
      ? { ...d, notes: [...(d.notes ?? []), ...notes] }
      : d
  );
}

/** The values completion filled in, by address, as a reload takes them. */
function filledValues(
  config: Config,
  filled: readonly FilledValue[],
): Map<string, Record<string, string>> {
  const byAddress = new Map(config.resources.map((r) => [r.address, r]));
  const values = new Map<string, Record<string, string>>();
  for (const { address, field } of filled) {
    const value = byAddress.get(address)?.attributes[field];
    if (typeof value !== "string") continue;
    values.set(address, { ...values.get(address), [field]: value });
  }
  return values;
}

/**
 * Whether anything reads an AI-filled value: a resource that refers to a
 * filled resource, or any output (outputs keep no list of what they read).
 */
function readsFilledValues(config: Config, filled: ReadonlyMap<string, unknown>): boolean {
  if (filled.size === 0) return false;
  if (config.outputs.length > 0) return true;
  return config.resources.some((r) => r.dependsOn.some((d) => filled.has(d)));
}

export interface MakePlanOptions {
  readonly destroy?: boolean;
  readonly targets?: readonly string[];
  /** false: plan against the record only (`--refresh=false`). */
  readonly refresh?: boolean;
  /** Use this state instead of reading it (apply of a plan file, tests). */
  readonly state?: State | null;
}

export interface PlanResult {
  readonly plan: Plan | undefined;
  readonly state: State | null;
  readonly diagnostics: Diagnostic[];
}

/** Types whose live state can be observed; others are planned from the record alone. */
const OBSERVABLE = new Set(["file", "directory", "container"]);

/** Reads the recorded state of a configuration through its state backend plugin. */
export function readState(
  config: Config,
): Promise<{ value: State | null; diagnostics: Diagnostic[] }> {
  return readStateOf(config.rootDir, stateSettingsOf(config));
}

/**
 * Fills AI-left values (pins first, then the model). A resource that cannot
 * be filled is left out of this run with its dependents, so everything else
 * still plans and applies; a refused (invalid or unsafe) answer is an error.
 */
async function withAiValues(
  ctx: CommandContext,
  config: Config,
): Promise<{ config: Config; exclude: Set<string>; diagnostics: Diagnostic[] }> {
  const exclude = new Set<string>();
  if (!config.resources.some((r) => r.aiFields.length > 0)) {
    return { config, exclude, diagnostics: [] };
  }
  // Loaded only when needed: most configurations leave nothing to AI, and every module costs start-up time.
  const { completeWithAi, settingsFor } = await import("./ai.ts");
  const settings = settingsFor(ctx, config.rootDir, config);
  let completed = await completeWithAi(ctx, config, settings.value);
  const values = filledValues(completed.config, completed.filled);
  if (readsFilledValues(completed.config, values)) {
    // Evaluated again with the answers in place, so what refers to them sees
    // them rather than unknown; the answers are pinned now, so no model is asked.
    const reloaded = loadConfiguration(ctx, config.rootDir, { aiValues: values });
    if (reloaded.config && !reloaded.diagnostics.some((d) => d.severity === "error")) {
      const again = await completeWithAi(ctx, reloaded.config, settings.value, { offline: true });
      completed = { ...completed, config: again.config, filled: again.filled };
    }
  }
  const diagnostics: Diagnostic[] = [];
  const unavailable = new Set(["CW8001", "CW8002", "CW8005"]);
  for (const d of completed.diagnostics) {
    if (d.address && unavailable.has(d.code)) {
      exclude.add(d.address);
      diagnostics.push({
        ...d,
        severity: "warning",
        summary: `${d.summary}; it is left out of this run`,
      });
    } else diagnostics.push(d);
  }
  // What depends on a left-out resource is left out too.
  let grew = exclude.size > 0;
  while (grew) {
    grew = false;
    for (const r of completed.config.resources) {
      if (exclude.has(r.address) || !r.dependsOn.some((d) => exclude.has(d))) continue;
      exclude.add(r.address);
      grew = true;
      diagnostics.push({
        severity: "warning",
        code: "CW8007",
        summary: `${r.address} depends on a resource left out of this run, so it is left out too`,
        address: r.address,
        subject: r.range,
      });
    }
  }
  return { config: completed.config, exclude, diagnostics };
}

export async function makePlan(
  ctx: CommandContext,
  config: Config,
  options: MakePlanOptions = {},
): Promise<PlanResult> {
  const diagnostics: Diagnostic[] = [];
  let exclude = new Set<string>();
  if (!options.destroy) {
    const ai = await withAiValues(ctx, config);
    diagnostics.push(...ai.diagnostics);
    if (ai.diagnostics.some((d) => d.severity === "error")) {
      return { plan: undefined, state: null, diagnostics };
    }
    config = ai.config;
    exclude = ai.exclude;
  }
  const hosts = await hostProblemsOf(config);
  if (hosts.length) {
    return { plan: undefined, state: null, diagnostics: [...diagnostics, ...hosts] };
  }
  let state: State | null;
  if (options.state !== undefined) state = options.state;
  else {
    const loaded = await readState(config);
    diagnostics.push(...loaded.diagnostics);
    if (loaded.value === null && loaded.diagnostics.some((d) => d.severity === "error")) {
      return { plan: undefined, state: null, diagnostics };
    }
    state = loaded.value;
  }
  let observations: Observation[] | null = null;
  if (options.refresh !== false && state && !options.destroy) {
    const items = state.resources
      .filter((r) => OBSERVABLE.has(r.type) && !r.host)
      .map((r) => ({ address: r.address, type: r.type, attributes: r.attributes }));
    const files = items.filter((i) => i.type !== "container");
    observations = files.length
      ? await (await import("../exec/mod.ts")).observe(files, { baseDir: config.rootDir })
      : [];
    // Containers are observed through the runner-container plugin.
    const containers = items.filter((i) => i.type === "container");
    if (containers.length) {
      const { ContainerRunner } = await import("./container_runner.ts");
      using runner = new ContainerRunner(config.rootDir);
      const seen = await runner.observe(containers);
      diagnostics.push(...seen.diagnostics);
      if (seen.diagnostics.some((d) => d.severity === "error")) {
        return { plan: undefined, state, diagnostics };
      }
      observations.push(...seen.observations);
    }
    // Resources on a `host` are observed there, through the host's runner plugin.
    const onHosts = state.resources.filter((r) => r.host);
    if (onHosts.length) {
      const { REMOTE_OBSERVABLE, RemoteRunners, sensitiveStrings } = await import("./runners.ts");
      const remote = onHosts
        .filter((r) => REMOTE_OBSERVABLE.has(r.type))
        .map((r) => ({
          address: r.address,
          type: r.type,
          attributes: r.attributes,
          host: r.host!,
        }));
      if (remote.length) {
        using runners = new RemoteRunners(config.rootDir, config.hosts, sensitiveStrings(config));
        const seen = await runners.observe(remote);
        diagnostics.push(...seen.diagnostics);
        if (seen.diagnostics.some((d) => d.severity === "error")) {
          return { plan: undefined, state, diagnostics };
        }
        observations.push(...seen.observations);
      }
    }
  }
  const planned = planDiff(config, state, {
    destroy: options.destroy,
    targets: options.targets,
    observations,
    exclude,
  });
  diagnostics.push(...planned.diagnostics);
  return { plan: planned.value, state, diagnostics };
}

/**
 * Problems with the `host` blocks that resources use. The runner machinery is
 * loaded only when some resource runs on a host: most configurations are
 * local, and every module costs start-up time.
 */
export async function hostProblemsOf(config: Config): Promise<Diagnostic[]> {
  if (!config.resources.some((r) => r.host !== null)) return [];
  const { hostProblems } = await import("./runners.ts");
  return await hostProblems(config);
}

/** Whether applying the plan would change anything, outputs included. */
export function planHasChanges(plan: Plan, state: State | null): boolean {
  if (plan.changes.some((c) => c.action !== "no-op")) return true;
  if (plan.destroy) return false;
  const before = state?.outputs ?? {};
  const names = new Set([...Object.keys(before), ...Object.keys(plan.outputs)]);
  for (const name of names) {
    if (JSON.stringify(before[name]?.value) !== JSON.stringify(plan.outputs[name]?.value)) {
      return true;
    }
  }
  return false;
}
