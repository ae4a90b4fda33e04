/** `clockwork apply [DIR|PLANFILE] [--auto-approve] [--parallelism N] [--target ADDR]…` */
import { resolve } from "node:path";
import { checkPlanFileFresh, isPlanFile, type Plan, readPlanFile } from "../../plan/mod.ts";
import type { State } from "../../state/mod.ts";
import { parseParallelism, runPlan, withStateLock } from "../apply_pipeline.ts";
import { loadConfiguration, makePlan, readState } from "../pipeline.ts";
import { prewarmStateStore, stateSettingsOf } from "../state_backend.ts";
import type { Command, CommandContext, OptionSpec } from "./_types.ts";

export const targetOption: OptionSpec = {
  type: "string",
  multiple: true,
  valueName: "ADDR",
  description: "limit to this resource and what it depends on (repeatable)",
};
export const autoApproveOption: OptionSpec = {
  type: "boolean",
  description: "do not ask for confirmation",
};

export function targetsOf(ctx: CommandContext): string[] {
  const raw = ctx.values.target;
  return Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : [];
}

export const applyCommand: Command = {
  name: "apply",
  summary: "plan, compile, execute, record state and run assertions",
  usage: "clockwork apply [DIR|PLANFILE] [--auto-approve] [--parallelism N] [--target ADDR]...",
  description:
    "Plans, asks for confirmation (on a terminal; elsewhere pass --auto-approve), compiles the\n" +
    "artifact bundle, validates it, runs its steps in the sandbox and records state after every\n" +
    "step. Ctrl-C stops starting new steps; running ones finish and are recorded.",
  options: {
    "auto-approve": autoApproveOption,
    parallelism: {
      type: "string",
      valueName: "N",
      description: "run at most N steps at once (default 10)",
    },
    target: targetOption,
  },
  positionals: { min: 0, max: 1, names: "[DIR|PLANFILE]" },
  output: "stream",
  async run(ctx) {
    const parallelism = parseParallelism(ctx);
    if (parallelism === null) return 1;
    const given = ctx.positionals[0];
    const planFile = given !== undefined && isPlanFile(resolve(ctx.cwd, given))
      ? resolve(ctx.cwd, given)
      : null;
    const dir = planFile ? ctx.cwd : resolve(ctx.cwd, given ?? ".");
    // The default state plugin boots on its own thread while the configuration loads.
    await prewarmStateStore(dir);
    const loaded = loadConfiguration(ctx, dir);
    ctx.reportDiagnostics(loaded.diagnostics);
    const config = loaded.config;
    if (!config || loaded.diagnostics.some((d) => d.severity === "error")) return 1;
    return await withStateLock(
      ctx,
      dir,
      stateSettingsOf(config),
      "apply",
      async (backend) => {
        let plan: Plan | undefined;
        let state: State | null;
        if (planFile) {
          const read = readPlanFile(planFile);
          ctx.reportDiagnostics(read.diagnostics);
          if (!read.value) return 1;
          const current = await readState(config);
          ctx.reportDiagnostics(current.diagnostics);
          if (current.diagnostics.some((d) => d.severity === "error")) return 1;
          const stale = checkPlanFileFresh(read.value, config, current.value);
          if (stale.length) {
            ctx.reportDiagnostics(stale);
            return 1;
          }
          plan = read.value;
          state = current.value;
        } else {
          const planned = await makePlan(ctx, config, { targets: targetsOf(ctx) });
          ctx.reportDiagnostics(planned.diagnostics);
          if (!planned.plan || planned.diagnostics.some((d) => d.severity === "error")) return 1;
          plan = planned.plan;
          state = planned.state;
        }
        return await runPlan(ctx, backend, plan, state, {
          command: "apply",
          rootDir: dir,
          // A saved plan was approved when it was reviewed; applying it does not ask again.
          autoApprove: ctx.values["auto-approve"] === true || planFile !== null,
          parallelism,
          config,
        });
      },
    );
  },
};
