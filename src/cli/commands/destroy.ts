/** `clockwork destroy [DIR] [--auto-approve] [--target ADDR]…` */
import { resolve } from "node:path";
import { parseParallelism, runPlan } from "../apply_pipeline.ts";
import { planOrReport, runOptions, withLockedConfiguration } from "./_configured_run.ts";
import { targetsOf } from "./_targets.ts";
import type { Command } from "./_types.ts";

export const destroyCommand: Command = {
  name: "destroy",
  summary: "tear down what state records, dependents first",
  usage: "clockwork destroy [DIR] [--auto-approve] [--target ADDR]...",
  description:
    "Runs the `destroy` commands of command and task resources, removes files and directories,\n" +
    "and forgets what it tore down. Resources with lifecycle.prevent_destroy are refused.",
  options: runOptions,
  positionals: { min: 0, max: 1, names: "[DIR]" },
  output: "stream",
  async run(ctx) {
    const parallelism = parseParallelism(ctx);
    if (parallelism === null) return 1;
    const dir = resolve(ctx.cwd, ctx.positionals[0] ?? ".");
    return await withLockedConfiguration(ctx, dir, "destroy", async (config, backend) => {
      const planned = await planOrReport(ctx, config, { destroy: true, targets: targetsOf(ctx) });
      if (!planned) return 1;
      return await runPlan(ctx, backend, planned.plan, planned.state, {
        command: "destroy",
        rootDir: dir,
        autoApprove: ctx.values["auto-approve"] === true,
        parallelism,
        config,
      });
    });
  },
};
