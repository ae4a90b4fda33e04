/** `clockwork apply [DIR|PLANFILE] [--auto-approve] [--parallelism N] [--target ADDR]…` */
import { resolve } from "node:path";
import { checkPlanFileFresh, type Plan, readPlanFile } from "../../plan/mod.ts";
import type { State } from "../../state/mod.ts";
import { parseParallelism, runPlan } from "../apply_pipeline.ts";
import { readState } from "../pipeline.ts";
import { planOrReport, runOptions, withLockedConfiguration } from "./_configured_run.ts";
import { targetsOf } from "./_targets.ts";
import type { Command } from "./_types.ts";

export const applyCommand: Command = {
  name: "apply",
  summary: "plan, compile, execute, record state and run assertions",
  usage: "clockwork apply [DIR|PLANFILE] [--auto-approve] [--parallelism N] [--target ADDR]...",
  description:
    "Plans, asks for confirmation (on a terminal; elsewhere pass --auto-approve), compiles the\n" +
    "artifact bundle, validates it, runs its steps in the sandbox and records state after every\n" +
    "step. Ctrl-C stops starting new steps; running ones finish and are recorded.\n" +
    "A file argument is a plan saved by `clockwork plan --out FILE`, applied without asking\n" +
    "again (--target, --var and --var-file are refused beside it: the plan is already fixed);\n" +
    "a directory argument is the configuration to plan and apply.",
  options: runOptions,
  positionals: { min: 0, max: 1, names: "[DIR|PLANFILE]" },
  output: "stream",
  async run(ctx) {
    const parallelism = parseParallelism(ctx);
    if (parallelism === null) return 1;
    const given = ctx.positionals[0];
    const planFile = given !== undefined && isRegularFile(resolve(ctx.cwd, given))
      ? resolve(ctx.cwd, given)
      : null;
    const dir = planFile ? ctx.cwd : resolve(ctx.cwd, given ?? ".");
    // A configuration is always a directory, so a file is meant as a plan: one
    // that is not a plan is reported as such, before any configuration or lock.
    const saved = planFile ? readPlanFile(planFile) : null;
    if (saved) {
      ctx.reportDiagnostics(saved.diagnostics);
      if (!saved.value) return 1;
      if (saved.variables && (ctx.globals.vars.length > 0 || ctx.globals.varFiles.length > 0)) {
        ctx.reportDiagnostics([{
          severity: "error",
          code: "CW3008",
          summary: "Variables cannot be set when applying a saved plan",
          detail:
            "the plan applies with the values it was made with; make a new plan with `clockwork plan --var … --out FILE` to change them",
        }]);
        return 1;
      }
      // The plan fixed what it changes when it was made; a target now would
      // not narrow it, and applying it whole would do more than was asked.
      const targets = targetsOf(ctx);
      if (targets.length > 0) {
        ctx.reportDiagnostics([{
          severity: "error",
          code: "CW3009",
          summary: "--target cannot be used when applying a saved plan",
          detail:
            `the plan applies exactly the changes it was made with; make a targeted plan with \`clockwork plan ${
              targets.map((t) => `--target ${t}`).join(" ")
            } --out FILE\` and apply that`,
        }]);
        return 1;
      }
    }
    return await withLockedConfiguration(
      ctx,
      dir,
      "apply",
      async (config, backend) => {
        let plan: Plan | undefined;
        let state: State | null;
        if (saved?.value) {
          const current = await readState(config);
          ctx.reportDiagnostics(current.diagnostics);
          if (current.diagnostics.some((d) => d.severity === "error")) return 1;
          const stale = checkPlanFileFresh(saved.value, config, current.value);
          if (stale.length) {
            ctx.reportDiagnostics(stale);
            return 1;
          }
          plan = saved.value;
          state = current.value;
        } else {
          const planned = await planOrReport(ctx, config, { targets: targetsOf(ctx) });
          if (!planned) return 1;
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
      // A saved plan is checked against the configuration evaluated with the
      // variable values it was made with, not with this command's.
      saved?.variables ? { planned: saved.variables } : {},
    );
  },
};

function isRegularFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
