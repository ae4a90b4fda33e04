/**
 * In-process planner benchmarks (`deno task bench src/plan`): loading a
 * generated 10,000-resource configuration, and planning it against an empty
 * and a matching state. Whole-process numbers: scripts/bench-plan.ts.
 */
import { join } from "node:path";
import { loadConfig } from "../config/mod.ts";
import type { State } from "../state/mod.ts";
import { makePlan } from "./mod.ts";

const N = 10_000;
const dir = Deno.makeTempDirSync({ prefix: "cw-plan-bench-" });
const lines = ['locals {\n  out = "${path.root}/out"\n}\n'];
for (let i = 0; i < N; i++) {
  const content = i % 10 === 0 ? `"resource ${i}"` : `"after \${file.r${i - 1}.path}"`;
  lines.push(
    `resource "file" "r${i}" {\n  path = "\${local.out}/r${i}.txt"\n  content = ${content}\n}\n`,
  );
}
Deno.writeTextFileSync(join(dir, "main.cw"), lines.join("\n"));
const config = loadConfig({ dir }).config!;
Deno.removeSync(dir, { recursive: true });
const matching: State = {
  format_version: "1",
  lineage: "bench",
  serial: 1,
  configDigest: null,
  resources: config.resources.map((r) => ({
    address: r.address,
    type: r.type,
    module: r.module,
    attributes: r.attributes,
    sensitiveAttributes: r.sensitiveAttributes,
    digest: "",
    dependencies: r.dependsOn,
    observed: null,
    host: null,
    preventDestroy: false,
  })),
  outputs: {},
};

Deno.bench("plan 10k resources against empty state", () => {
  makePlan(config, null);
});

Deno.bench("plan 10k resources against matching state (all no-op)", () => {
  makePlan(config, matching);
});

Deno.bench("destroy plan of 10k recorded resources", () => {
  makePlan(null, matching, { destroy: true });
});
