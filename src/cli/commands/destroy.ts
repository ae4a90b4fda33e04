/** `clockwork destroy [DIR] [--auto-approve] [--target ADDR]…` */
import { resolve } from "node:path";
import { parseParallelism, runPlan, withStateLock } from "../apply_pipeline.ts";
import { loadConfiguration, makePlan } from "../pipeline.ts";
import { stateSettingsOf } from "../state_backend.ts";
import { autoApproveOption, targetOption, targetsOf } from "./apply.ts";
import type { Command } from "./_types.ts";

export const destroyCommand: Command = {
  name: "destroy",
  summary: "tear down what state records, dependents first",
  usage: "clockwork destroy [DIR] [--auto-approve] [--target ADDR]...",
  description:
    "Runs the `destroy` commands of command and task resources, removes files and directories,\n" +
    "and forgets what it tore down. Resources with lifecycle.prevent_destroy are refused.",
  options: {
    "auto-approve": autoApproveOption,
    parallelism: {
      type: "string",
      valueName: "N",
      description: "run at most N steps at once (default 10)",
    },
    target: targetOption,
  },
  positionals: { min: 0, max: 1, names: "[DIR]" },
  output: "stream",
  async run(ctx) {
    const parallelism = parseParallelism(ctx);
    if (parallelism === null) return 1;
    const dir = resolve(ctx.cwd, ctx.positionals[0] ?? ".");
    const loaded = loadConfiguration(ctx, dir);
    ctx.reportDiagnostics(loaded.diagnostics);
    const config = loaded.config;
    if (!config || loaded.diagnostics.some((d) => d.severity === "error")) return 1;
    return await withStateLock(
      ctx,
      dir,
      stateSettingsOf(config),
      "destroy",
      async (backend) => {
        const planned = await makePlan(ctx, config, { destroy: true, targets: targetsOf(ctx) });
        ctx.reportDiagnostics(planned.diagnostics);
        if (!planned.plan || planned.diagnostics.some((d) => d.severity === "error")) return 1;
        return await runPlan(ctx, backend, planned.plan, planned.state, {
          command: "destroy",
          rootDir: dir,
          autoApprove: ctx.values["auto-approve"] === true,
          parallelism,
          config,
        });
      },
    );
  },
};
