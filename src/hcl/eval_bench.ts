/**
 * `deno bench -A src/hcl/eval_bench.ts`: evaluating every attribute of a
 * generated 10k-block configuration (target: well under 250 ms warm).
 */
import type { Block, Expression } from "./ast.ts";
import { evaluate } from "./eval.ts";
import { parse } from "./parser.ts";
import type { Value } from "./value.ts";

function generate(blocks: number): string {
  const out: string[] = [];
  for (let i = 0; i < blocks; i++) {
    out.push(`resource "file" "f${i}" {
  path    = "\${var.root}/site/page-\${${i}}.html"
  content = "<h1>\${upper(var.name)} #${i}</h1>"
  mode    = var.port > 1024 ? "0644" : "0600"
  tags    = merge(var.tags, { index = ${i}, even = ${i} % 2 == 0 })
  hosts   = [for h in var.hosts : "\${h.name}:\${var.port + ${i}}" if h.enabled]
  ips     = var.hosts[*].ip
  first   = var.hosts[0].name
}
`);
  }
  return out.join("\n");
}

const o = (x: Record<string, Value>) => Object.assign(Object.create(null), x);
const variables = {
  var: o({
    root: "/srv",
    name: "web",
    port: 8080,
    tags: o({ env: "prod", team: "ops" }),
    hosts: [
      o({ name: "a", ip: "10.0.0.1", enabled: true }),
      o({ name: "b", ip: "10.0.0.2", enabled: false }),
      o({ name: "c", ip: "10.0.0.3", enabled: true }),
    ],
  }),
};

const source = generate(10_000);
const parsed = parse(source, "bench.cw");
if (parsed.diagnostics.length > 0) throw new Error(parsed.diagnostics[0].summary);
const expressions: Expression[] = [];
for (const item of parsed.body.items) {
  for (const attr of (item as Block).body.items) {
    if (attr.kind === "Attribute") expressions.push(attr.expr);
  }
}

Deno.bench(`evaluate ${expressions.length} attributes of 10k blocks`, () => {
  for (const expr of expressions) {
    const r = evaluate(expr, { variables, baseDir: "/srv" });
    if (r.diagnostics.length > 0) throw new Error(r.diagnostics[0].summary);
  }
});

Deno.bench(`parse + evaluate 10k blocks (${(source.length / 1e6).toFixed(1)} MB)`, () => {
  const { body } = parse(source, "bench.cw");
  for (const item of body.items) {
    for (const attr of (item as Block).body.items) {
      if (attr.kind === "Attribute") evaluate(attr.expr, { variables, baseDir: "/srv" });
    }
  }
});
