/** `clockwork destroy [DIR] [--auto-approve] [--target ADDR]…` */
import { resolve } from "node:path";
import type { Config } from "../../config/mod.ts";
import type { StateStore } from "../../state/mod.ts";
import { parseParallelism, runPlan, withStateLock } from "../apply_pipeline.ts";
import {
  defaultStateOf,
  emptyConfiguration,
  hasNoConfigurationFiles,
  shownPath,
} from "../pipeline.ts";
import { stateSettingsOf } from "../state_backend.ts";
import { planOrReport, runOptions, withLockedConfiguration } from "./_configured_run.ts";
import { targetsOf } from "./_targets.ts";
import type { Command, CommandContext } from "./_types.ts";

export const destroyCommand: Command = {
  name: "destroy",
  summary: "tear down what state records, dependents first",
  usage: "clockwork destroy [DIR] [--auto-approve] [--target ADDR]...",
  description:
    "Runs the `destroy` commands of command and task resources, removes files and directories,\n" +
    "and forgets what it tore down. Resources with lifecycle.prevent_destroy are refused.\n" +
    "When DIR has no *.cw files left, it destroys what the state in DIR/.clockwork records.",
  options: runOptions,
  positionals: { min: 0, max: 1, names: "[DIR]" },
  output: "stream",
  async run(ctx) {
    const parallelism = parseParallelism(ctx);
    if (parallelism === null) return 1;
    const dir = resolve(ctx.cwd, ctx.positionals[0] ?? ".");
    const destroy = async (config: Config, backend: StateStore) => {
      const planned = await planOrReport(ctx, config, { destroy: true, targets: targetsOf(ctx) });
      if (!planned) return 1;
      return await runPlan(ctx, backend, planned.plan, planned.state, {
        command: "destroy",
        rootDir: dir,
        autoApprove: ctx.values["auto-approve"] === true,
        parallelism,
        config,
      });
    };
    const source = await whatToDestroyFrom(ctx, dir);
    if (source === "refused") return 1;
    if (source === "state") {
      const config = emptyConfiguration(dir);
      return await withStateLock(
        ctx,
        dir,
        stateSettingsOf(config),
        "destroy",
        (backend) => destroy(config, backend),
      );
    }
    return await withLockedConfiguration(ctx, dir, "destroy", destroy);
  },
};

/**
 * "configuration" normally. "state" when the *.cw files of `dir` are gone
 * while the state at the default location still records resources: Terraform
 * destroys with an empty configuration, and so do we, saying so (a warning).
 * "refused" (reported) when some of them are on remote hosts, which cannot be
 * reached without their host blocks. With no state either, the configuration
 * load reports the usual "no configuration files".
 */
async function whatToDestroyFrom(
  ctx: CommandContext,
  dir: string,
): Promise<"configuration" | "state" | "refused"> {
  if (!hasNoConfigurationFiles(dir)) return "configuration";
  const recorded = await defaultStateOf(dir);
  const resources = recorded.state?.resources ?? [];
  if (resources.length === 0) return "configuration";
  const onHosts = [...new Set(resources.flatMap((r) => r.host ? [r.host] : []))].sort();
  if (onHosts.length > 0) {
    ctx.reportDiagnostics([{
      severity: "error",
      code: "CW2024",
      summary: `No configuration files in ${dir}`,
      detail: `the state records resources on the host${onHosts.length === 1 ? "" : "s"} ${
        onHosts.join(", ")
      }, which are reached through the host blocks of the configuration; restore the *.cw files (the host blocks are enough) and run \`clockwork destroy\` again`,
    }]);
    return "refused";
  }
  const n = resources.length;
  ctx.reportDiagnostics([{
    severity: "warning",
    code: "CW2024",
    summary: `No configuration files in ${
      shownPath(ctx, dir)
    }; destroying everything the state records`,
    detail: `${shownPath(ctx, recorded.location)} records ${n} resource${
      n === 1 ? "" : "s"
    }; with no configuration, destroy tears ${n === 1 ? "it" : "them all"} down`,
  }]);
  return "state";
}
