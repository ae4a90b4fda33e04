import { hasErrors } from "../../hcl/mod.ts";
import { dependencyGraph, renderDot } from "../../plan/mod.ts";
import { jsonOut } from "../views/json.ts";
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
    const format = (ctx.values.format as string | undefined) ?? (ctx.globals.json ? "json" : "dot");
    if (format !== "dot" && format !== "json") {
      ctx.io.stderr(`clockwork graph: --format takes dot or json, not "${format}"\n`);
      return Promise.resolve(1);
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
