/** The dependency graph of resource instances, for `clockwork graph`. */
import { addressSortKey, type Config } from "../config/mod.ts";
import { topologicalOrder } from "./_order.ts";

export interface GraphDocument {
  readonly nodes: { address: string; type: string; module: string[] }[];
  /** `from` depends on `to`. */
  readonly edges: { from: string; to: string }[];
  /** Dependencies first, ties broken by address. */
  readonly order: string[];
}

export function dependencyGraph(config: Config): GraphDocument {
  const byAddress = new Map(config.resources.map((r) => [r.address, r]));
  const nodes = config.resources.map((r) => ({
    address: r.address,
    type: r.type,
    module: [...r.module],
  }));
  const edges: { from: string; to: string }[] = [];
  for (const r of config.resources) {
    for (const d of r.dependsOn) if (byAddress.has(d)) edges.push({ from: r.address, to: d });
  }
  const { order } = topologicalOrder(
    config.resources.map((r) => r.address),
    (id) => byAddress.get(id)?.dependsOn ?? [],
    addressSortKey,
  );
  return { nodes, edges, order };
}

/** Graphviz DOT; nodes of a module are grouped in a cluster. */
export function renderDot(graph: GraphDocument): string {
  const lines = ["digraph clockwork {", '  rankdir = "RL";', "  node [shape = box];"];
  const clusters = new Map<string, string[]>();
  for (const n of graph.nodes) {
    const key = n.module.map((m) => `module.${m}`).join(".");
    const list = clusters.get(key);
    if (list) list.push(n.address);
    else clusters.set(key, [n.address]);
  }
  for (const [key, addresses] of [...clusters].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const indent = key ? "    " : "  ";
    if (key) {
      lines.push(`  subgraph ${JSON.stringify(`cluster_${key}`)} {`);
      lines.push(`    label = ${JSON.stringify(key)};`);
    }
    for (const a of addresses) lines.push(`${indent}${JSON.stringify(a)};`);
    if (key) lines.push("  }");
  }
  for (const e of graph.edges) {
    lines.push(`  ${JSON.stringify(e.from)} -> ${JSON.stringify(e.to)};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
