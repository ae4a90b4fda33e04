import { hasErrors } from "../../hcl/mod.ts";
import { jsonOut } from "../views/json.ts";
import { configDir, hostProblemsOf, loadConfiguration } from "../pipeline.ts";
import type { Command } from "./_types.ts";

export const validateCommand: Command = {
  name: "validate",
  summary: "parse and check the configuration; print diagnostics",
  usage: "clockwork validate [DIR]",
  description:
    "Reads every *.cw file of DIR (default: the working directory) and the modules it calls,\nevaluates them with the given variables and reports every problem found.",
  options: {},
  positionals: { min: 0, max: 1, names: "[DIR]" },
  async run(ctx) {
    const loaded = loadConfiguration(ctx, configDir(ctx));
    const config = loaded.config;
    // A host no runner can serve is a configuration error, found here rather than at plan.
    const diagnostics = config && !hasErrors(loaded.diagnostics)
      ? [...loaded.diagnostics, ...await hostProblemsOf(config)]
      : loaded.diagnostics;
    ctx.reportDiagnostics(diagnostics);
    const valid = config !== undefined && !hasErrors(diagnostics);
    if (ctx.globals.json) {
      jsonOut(ctx.io, { valid, diagnostics: ctx.takeJsonDiagnostics() });
    } else if (valid) {
      const n = config.resources.length;
      ctx.io.stdout(
        `Success! The configuration is valid (${n} resource instance${n === 1 ? "" : "s"}).\n`,
      );
    }
    return valid ? 0 : 1;
  },
};
