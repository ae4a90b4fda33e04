import { resolve } from "node:path";
import { hasErrors } from "../../hcl/mod.ts";
import { planDocument, renderPlan, serializePlanFile } from "../../plan/mod.ts";
import { jsonOut } from "../views/json.ts";
import { usageError } from "../views/usage.ts";
import {
  configDir,
  explainMissingConfiguration,
  loadConfiguration,
  makePlan,
  planHasChanges,
} from "../pipeline.ts";
import { prewarmStateStore } from "../state_backend.ts";
import { targetOption, targetsOf } from "./_targets.ts";
import type { Command } from "./_types.ts";

export const planCommand: Command = {
  name: "plan",
  summary: "show what apply would do, resource by resource, with reasons",
  usage:
    "clockwork plan [DIR] [--out FILE] [--detailed-exitcode] [--target ADDR]... [--refresh=false]",
  description:
    "Compares the desired state with recorded and observed state. With --detailed-exitcode\nthe exit code is 0 for no changes and 2 when there are changes.",
  options: {
    out: { type: "string", valueName: "FILE", description: "write the plan to FILE for apply" },
    "detailed-exitcode": {
      type: "boolean",
      description: "exit 2 when the plan has changes, 0 when it has none",
    },
    target: targetOption,
    refresh: {
      type: "string",
      valueName: "BOOL",
      description: "--refresh=false skips observing live state (default true)",
    },
  },
  positionals: { min: 0, max: 1, names: "[DIR]" },
  async run(ctx) {
    const refreshFlag = ctx.values.refresh;
    if (refreshFlag !== undefined && refreshFlag !== "true" && refreshFlag !== "false") {
      return usageError(
        ctx.io,
        ctx.globals.json,
        `clockwork plan: --refresh takes true or false, not "${refreshFlag}"`,
      );
    }
    const dir = configDir(ctx);
    // The default state plugin boots on its own thread while the configuration loads.
    await prewarmStateStore(dir);
    const { config, diagnostics } = loadConfiguration(ctx, dir);
    ctx.reportDiagnostics(
      config ? diagnostics : await explainMissingConfiguration(ctx, dir, diagnostics),
    );
    if (!config || hasErrors(diagnostics)) return failed(ctx);
    const result = await makePlan(ctx, config, {
      targets: targetsOf(ctx),
      refresh: refreshFlag !== "false",
    });
    ctx.reportDiagnostics(result.diagnostics);
    const plan = result.plan;
    if (!plan || hasErrors(result.diagnostics)) return failed(ctx);
    const out = ctx.values.out;
    if (typeof out === "string") {
      const path = resolve(ctx.cwd, out);
      try {
        // A plan file holds every value in clear (apply needs them): private, like state.
        const variables = Object.fromEntries(
          Object.entries(config.variables).map(([name, v]) => [name, v.value]),
        );
        Deno.writeTextFileSync(path, serializePlanFile(plan, variables), { mode: 0o600 });
        Deno.chmodSync(path, 0o600);
      } catch (e) {
        ctx.io.stderr(
          `clockwork plan: cannot write ${out}: ${e instanceof Error ? e.message : String(e)}\n`,
        );
        return 1;
      }
    }
    if (ctx.globals.json) {
      const { format_version: _, ...doc } = planDocument(plan);
      // The document is plain JSON already (sensitive values redacted by planDocument, and the
      // value wrappers serialise themselves), so it skips jsonOut's deep copy: large plans print
      // in a fraction of the time.
      ctx.io.stdout(
        JSON.stringify({
          format_version: "1",
          ...doc,
          diagnostics: ctx.takeJsonDiagnostics(),
        }) + "\n",
      );
    } else {
      ctx.io.stdout(renderPlan(plan, { color: ctx.io.color, priorOutputs: result.state?.outputs }));
      if (typeof out === "string") {
        ctx.io.stdout(
          `\nSaved the plan to ${out}. To apply exactly this plan: clockwork apply ${out}\n`,
        );
      }
    }
    if (ctx.values["detailed-exitcode"] === true && planHasChanges(plan, result.state)) return 2;
    return 0;
  },
};

function failed(ctx: Parameters<Command["run"]>[0]): Promise<number> {
  if (ctx.globals.json) {
    jsonOut(ctx.io, { changes: [], diagnostics: ctx.takeJsonDiagnostics() });
  }
  return Promise.resolve(1);
}
