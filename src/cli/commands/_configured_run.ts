/**
 * What `apply`, `destroy` and `compile` share: their options, and the start
 * of a run (configuration loaded and reported, the state locked, the plan
 * made and reported).
 */
import { resolve } from "node:path";
import type { Config } from "../../config/mod.ts";
import type { Plan } from "../../plan/mod.ts";
import type { State, StateStore } from "../../state/mod.ts";
import { withStateLock } from "../apply_pipeline.ts";
import {
  explainMissingConfiguration,
  loadConfiguration,
  makePlan,
  type MakePlanOptions,
} from "../pipeline.ts";
import { prewarmStateStore, stateSettingsOf } from "../state_backend.ts";
import type { CommandContext, OptionSpec } from "./_types.ts";
import { targetOption } from "./_targets.ts";

const autoApproveOption: OptionSpec = {
  type: "boolean",
  description: "do not ask for confirmation",
};
const parallelismOption: OptionSpec = {
  type: "string",
  valueName: "N",
  description: "run at most N steps at once (default 10)",
};

/** The options of the commands that run a plan: apply and destroy. */
export const runOptions: Readonly<Record<string, OptionSpec>> = {
  "auto-approve": autoApproveOption,
  parallelism: parallelismOption,
  target: targetOption,
};

/**
 * Loads the configuration in `dir` and runs `run` holding its state lock;
 * exit status 1 when the configuration has errors (they are reported).
 */
export async function withLockedConfiguration(
  ctx: CommandContext,
  dir: string,
  command: string,
  run: (config: Config, backend: StateStore) => Promise<number>,
  load: Parameters<typeof loadConfiguration>[2] = {},
): Promise<number> {
  // The default state plugin boots on its own thread while the configuration loads.
  await prewarmStateStore(dir);
  const loaded = loadConfiguration(ctx, dir, load);
  const config = loaded.config;
  ctx.reportDiagnostics(
    config
      ? loaded.diagnostics
      : await explainMissingConfiguration(ctx, dir, loaded.diagnostics, planFileArgument(ctx, dir)),
  );
  if (!config || loaded.diagnostics.some((d) => d.severity === "error")) return 1;
  return await withStateLock(
    ctx,
    dir,
    stateSettingsOf(config),
    command,
    (backend) => run(config, backend),
  );
}

/**
 * The saved plan `apply PLANFILE` was given: its argument when that is a file
 * and the configuration is the working directory (apply reads a file argument
 * as a plan, a directory argument as the configuration).
 */
function planFileArgument(ctx: CommandContext, dir: string): string | undefined {
  const given = ctx.positionals[0];
  if (given === undefined || resolve(ctx.cwd) !== dir) return undefined;
  try {
    return Deno.statSync(resolve(ctx.cwd, given)).isFile ? given : undefined;
  } catch {
    return undefined;
  }
}

/** The plan and the state it was made from, or null when planning reported errors. */
export async function planOrReport(
  ctx: CommandContext,
  config: Config,
  options: MakePlanOptions,
): Promise<{ plan: Plan; state: State | null } | null> {
  const planned = await makePlan(ctx, config, options);
  ctx.reportDiagnostics(planned.diagnostics);
  if (!planned.plan || planned.diagnostics.some((d) => d.severity === "error")) return null;
  return { plan: planned.plan, state: planned.state };
}
