/** `clockwork output [NAME] [--json|--raw]`: outputs recorded by the last apply. */
import { formatValue, jsonOut, SENSITIVE_TEXT, toJsonValue, usageError } from "../views/mod.ts";
import type { Command } from "./_types.ts";
import { readStateFor, withBackend } from "./state.ts";

export const outputCommand: Command = {
  name: "output",
  summary: "print outputs from state",
  usage: "clockwork output [NAME] [--json|--raw]",
  options: {
    raw: { type: "boolean", description: "print a single string output without quotes" },
  },
  positionals: { min: 0, max: 1, names: "[NAME]" },
  run(ctx) {
    if (ctx.globals.json && ctx.values.raw === true) {
      return Promise.resolve(
        usageError(
          ctx.io,
          true,
          "clockwork output: --json and --raw cannot be used together; drop one of them",
        ),
      );
    }
    return withBackend(ctx, async (store) => {
      const state = await readStateFor(ctx, store);
      if (typeof state === "number") return state;
      const name = ctx.positionals[0];
      const shown = (o: { value: unknown; sensitive: boolean }) =>
        o.sensitive ? SENSITIVE_TEXT : toJsonValue(o.value);
      if (name === undefined) {
        if (ctx.values.raw === true) {
          ctx.reportDiagnostics([{
            severity: "error",
            code: "CW9201",
            summary: "--raw needs an output NAME",
          }]);
          return Promise.resolve(1);
        }
        const names = Object.keys(state.outputs).sort();
        if (ctx.globals.json) {
          const outputs: Record<string, unknown> = {};
          for (const n of names) {
            outputs[n] = { value: shown(state.outputs[n]), sensitive: state.outputs[n].sensitive };
          }
          jsonOut(ctx.io, { outputs });
        } else {
          for (const n of names) {
            const o = state.outputs[n];
            ctx.io.stdout(`${n} = ${o.sensitive ? SENSITIVE_TEXT : formatValue(o.value)}\n`);
          }
        }
        return Promise.resolve(0);
      }
      const output = state.outputs[name];
      if (!output) {
        ctx.reportDiagnostics([{
          severity: "error",
          code: "CW5022",
          summary: `No output named ${JSON.stringify(name)}`,
          detail: Object.keys(state.outputs).length
            ? `recorded outputs: ${Object.keys(state.outputs).sort().join(", ")}`
            : "the state records no outputs; run `clockwork apply` first",
        }]);
        return Promise.resolve(1);
      }
      if (ctx.values.raw === true) {
        const value = output.value;
        if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
          ctx.reportDiagnostics([{
            severity: "error",
            code: "CW9202",
            summary: `Output ${JSON.stringify(name)} is not a string, number or bool`,
            detail: "--raw prints only primitive values; use --json for the others",
          }]);
          return Promise.resolve(1);
        }
        // --raw is an explicit request for the value itself, so it is printed even when sensitive.
        ctx.io.stdout(String(value));
        return Promise.resolve(0);
      }
      if (ctx.globals.json) {
        jsonOut(ctx.io, { name, value: shown(output), sensitive: output.sensitive });
      } else {
        ctx.io.stdout(`${output.sensitive ? SENSITIVE_TEXT : formatValue(output.value)}\n`);
      }
      return Promise.resolve(0);
    });
  },
};
