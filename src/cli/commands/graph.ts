import { hasErrors } from "../../hcl/mod.ts";
import { dependencyGraph, renderDot } from "../../plan/mod.ts";
import { jsonOut } from "../views/json.ts";
import { usageError } from "../views/usage.ts";
import { configDir, loadConfiguration } from "../pipeline.ts";
import type { Command } from "./_types.ts";

export const graphCommand: Command = {
  name: "graph",
  summary: "print the dependency graph",
  usage: "clockwork graph [DIR] [--format dot|json]",
  description:
    "Prints the resource instances and what each depends on (references and depends_on).\nDOT output renders with Graphviz: clockwork graph | dot -Tsvg > graph.svg",
  options: {
    format: { type: "string", valueName: "FORMAT", description: "dot (default) or json" },
  },
  positionals: { min: 0, max: 1, names: "[DIR]" },
  run(ctx) {
    const given = ctx.values.format as string | undefined;
    const format = given ?? (ctx.globals.json ? "json" : "dot");
    const json = ctx.globals.json;
    if (format !== "dot" && format !== "json") {
      return Promise.resolve(
        usageError(ctx.io, json, `clockwork graph: --format takes dot or json, not "${format}"`),
      );
    }
    if (json && format !== "json") {
      return Promise.resolve(
        usageError(
          ctx.io,
          json,
          `clockwork graph: --format ${format} and --json cannot be used together; drop one of them`,
        ),
      );
    }
    const { config, diagnostics } = loadConfiguration(ctx, configDir(ctx));
    ctx.reportDiagnostics(diagnostics);
    if (!config || hasErrors(diagnostics)) {
      if (ctx.globals.json) jsonOut(ctx.io, { diagnostics: ctx.takeJsonDiagnostics() });
      return Promise.resolve(1);
    }
    const graph = dependencyGraph(config);
    if (format === "json") {
      jsonOut(ctx.io, {
        nodes: graph.nodes,
        edges: graph.edges,
        order: graph.order,
        diagnostics: ctx.takeJsonDiagnostics(),
      });
    } else ctx.io.stdout(renderDot(graph));
    return Promise.resolve(0);
  },
};
