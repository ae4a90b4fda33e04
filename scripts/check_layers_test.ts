import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { checkTree, findImports } from "./check_layers.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "clockwork-layers-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, dirname(path)), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return root;
}

async function violations(files: Record<string, string>): Promise<string[]> {
  const root = await tree(files);
  try {
    return checkTree(root).violations.map((v) => `${v.file}:${v.line}: ${v.message}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const goodTree: Record<string, string> = {
  "main.ts": `import { run } from "./src/cli/mod.ts";\nDeno.exit(await run());\n`,
  "src/version.ts": `export const VERSION = "0.1.0";\n`,
  "src/hcl/mod.ts": `export * from "./parser.ts";\nexport type { Range } from "./_source.ts";\n`,
  "src/hcl/parser.ts":
    `import type { Range } from "./_source.ts";\nexport const parse = (r: Range) => r;\n`,
  "src/hcl/_source.ts": `export type Range = { start: number };\n`,
  "src/config/mod.ts": `import { parse } from "../hcl/mod.ts";\nexport const load = parse;\n`,
  "src/state/mod.ts":
    `import type { Range } from "../hcl/mod.ts";\nimport "../plugins/protocol/mod.ts";\nexport type S = Range;\n`,
  "src/plugins/protocol/mod.ts": `export type { Range } from "../../hcl/mod.ts";\n`,
  "src/plan/mod.ts":
    `import { load } from "../config/mod.ts";\nimport type { S } from "../state/mod.ts";\nimport { VERSION } from "../version.ts";\nexport const plan = (s: S) => [load, s, VERSION];\n`,
  "src/exec/mod.ts":
    `import type {} from "../forge/mod.ts";\nimport { spawn } from "node:child_process";\nexport const go = () => [new Deno.Command("true"), spawn];\n`,
  "src/forge/mod.ts":
    `import * as v from "valibot";\nimport "../plan/mod.ts";\nexport const x = v;\n`,
  "src/plugins/host/mod.ts":
    `export const start = () => new Worker("data:,", { type: "module" });\n`,
  "src/ai/mod.ts": `const lazy = () => import("../config/mod.ts");\nexport { lazy };\n`,
  "src/daemon/mod.ts": `import "../exec/mod.ts";\nimport "../ai/mod.ts";\n`,
  "src/cli/mod.ts":
    `import "../daemon/mod.ts";\nimport "../plan/mod.ts";\nimport cfg from "../../deno.json" with { type: "json" };\nexport const run = async () => cfg ? 0 : 1;\n`,
  "src/cli/commands/x.ts":
    `import { run } from "../mod.ts";\nimport "../views/_private.ts";\nexport { run };\n`,
  "src/cli/views/_private.ts": `export {};\n`,
  // Mentions in comments, strings, templates and regexes are not code.
  "src/hcl/notes.ts": [
    `// Deno.exit(1) and new Worker() and import "../exec/mod.ts" live elsewhere`,
    `/* Deno.Command */`,
    `export const a = "Deno.exit(2); import '../cli/mod.ts'";`,
    "export const b = `new Worker ${'Deno.exit'} from \"../plan/mod.ts\"`;",
    `export const c = /Deno.run|"/g;`,
    `export const d = 4 / 2 / 1;`,
    "",
  ].join("\n"),
  "src/plan/graph_test.ts":
    `import "../../tests/support/cli.ts";\nnew Deno.Command("true");\nnew Worker("data:,");\nDeno.exit;\n`,
  "plugins/local/mod.ts":
    `import type {} from "../../src/plugins/protocol/mod.ts";\nimport "./_run.ts";\n`,
  "plugins/local/_run.ts": `export {};\n`,
  "plugins/local/bundle.ts": `export const code = "…";\n`,
  "plugins/builtins.ts":
    `import type {} from "../src/plugins/protocol/mod.ts";\nimport * as local from "./local/bundle.ts";\nexport const BUILTINS = [local];\n`,
  "src/daemon/builtins.ts":
    `import { BUILTINS } from "../../plugins/builtins.ts";\nexport { BUILTINS };\n`,
};

Deno.test("a tree that follows DESIGN.md passes", async () => {
  assert.deepEqual(await violations(goodTree), []);
});

Deno.test("importing another stage other than through mod.ts is reported", async () => {
  const found = await violations({
    ...goodTree,
    "src/plan/mod.ts": `import { parse } from "../config/_load.ts";\nexport { parse };\n`,
  });
  assert.deepEqual(found, [
    `src/plan/mod.ts:1: imports "../config/_load.ts" (src/config/_load.ts): another stage is reachable only through src/config/mod.ts`,
  ]);
});

Deno.test("each disallowed direction is reported with the rule", async () => {
  const found = await violations({
    ...goodTree,
    "src/hcl/bad.ts": `import "../config/mod.ts";\n`,
    "src/plan/bad.ts": `\n\nexport * from "../exec/mod.ts";\n`,
    "src/ai/bad.ts": `export const f = () => import("../forge/mod.ts");\n`,
    "src/daemon/bad.ts": `import type {} from "../cli/mod.ts";\n`,
    "src/util/mod.ts": `import "../hcl/mod.ts";\n`,
    "src/version.ts": `import "./hcl/mod.ts";\n`,
    "src/exec/bad.ts": `import "../../tests/support/cli.ts";\n`,
  });
  assert.deepEqual(found, [
    `src/ai/bad.ts:1: imports "../forge/mod.ts" (src/forge/mod.ts): ai may not import forge (DESIGN.md: ai may import config, hcl, plugins/protocol)`,
    `src/daemon/bad.ts:1: imports "../cli/mod.ts" (src/cli/mod.ts): daemon may not import cli (DESIGN.md: daemon may import hcl, plugins/protocol, config, state, plan, forge, assert, exec, plugins/host, ai)`,
    `src/exec/bad.ts:1: imports "../../tests/support/cli.ts" (tests/support/cli.ts): src/ may not import files outside src/ (except deno.json)`,
    `src/hcl/bad.ts:1: imports "../config/mod.ts" (src/config/mod.ts): hcl may not import config (DESIGN.md: hcl may import nothing in src/)`,
    `src/plan/bad.ts:3: imports "../exec/mod.ts" (src/exec/mod.ts): plan may not import exec (DESIGN.md: plan may import config, state, hcl)`,
    `src/util/mod.ts:1: imports "../hcl/mod.ts" (src/hcl/mod.ts): "util" is not a stage of DESIGN.md's table, so it may import no stage`,
    `src/version.ts:1: imports "./hcl/mod.ts" (src/hcl/mod.ts): files directly in src/ are shared leaves and import no stage`,
  ]);
});

Deno.test("built-in plugins may import only src/plugins/protocol", async () => {
  const found = await violations({
    ...goodTree,
    "plugins/ssh/mod.ts":
      `import "../../src/hcl/mod.ts";\nimport "../local/_run.ts";\nimport "../../src/plugins/protocol/_sdk.ts";\n`,
    "src/cli/bad.ts": `import "../../plugins/local/mod.ts";\n`,
    "src/plan/bad.ts": `import "../../plugins/builtins.ts";\n`,
    "plugins/extra.ts": `import "./local/mod.ts";\n`,
  });
  assert.deepEqual(found, [
    `src/cli/bad.ts:1: imports "../../plugins/local/mod.ts" (plugins/local/mod.ts): built-in plugins are loaded through src/plugins/host, never imported`,
    `src/plan/bad.ts:1: imports "../../plugins/builtins.ts" (plugins/builtins.ts): only cli and daemon hand the built-in plugin registry to the host`,
    `plugins/extra.ts:1: imports "./local/mod.ts" (plugins/local/mod.ts): the built-in plugin registry may import only plugins/*/bundle.ts and src/plugins/protocol/mod.ts`,
    `plugins/ssh/mod.ts:1: imports "../../src/hcl/mod.ts" (src/hcl/mod.ts): built-in plugins may import only src/plugins/protocol/mod.ts and plugins/_shared/`,
    `plugins/ssh/mod.ts:2: imports "../local/_run.ts" (plugins/local/_run.ts): built-in plugins may import only src/plugins/protocol/mod.ts and plugins/_shared/`,
    `plugins/ssh/mod.ts:3: imports "../../src/plugins/protocol/_sdk.ts" (src/plugins/protocol/_sdk.ts): built-in plugins may import only src/plugins/protocol/mod.ts and plugins/_shared/`,
  ]);
});

Deno.test("processes, Workers and Deno.exit outside their owners are reported", async () => {
  const found = await violations({
    ...goodTree,
    "src/forge/run.ts":
      `export const a = new Deno.Command("sh");\nexport const b = Deno . run;\nimport * as cp from "node:child_process";\nexport { cp };\n`,
    "src/daemon/w.ts": `export const w = new Worker(new URL("x.ts", import.meta.url));\n`,
    "src/cli/quit.ts": `export function quit() {\n  Deno.exit(3);\n}\n`,
    "plugins/local/spawn.ts": `import "child_process";\n`,
    "plugins/runner-local/run.ts": `export const a = new Deno.Command("sh");\n`,
    "plugins/ai-x/mod.ts": `import "../_shared/ai_http.ts";\n`,
  });
  assert.deepEqual(found, [
    `src/cli/quit.ts:2: calls Deno.exit: only main.ts calls Deno.exit`,
    `src/daemon/w.ts:1: creates a Worker: only src/plugins/host creates Workers`,
    `src/forge/run.ts:3: imports "node:child_process": only src/exec spawns processes`,
    `src/forge/run.ts:1: spawns a process (Deno.Command/Deno.run): only src/exec and runner plugins spawn processes`,
    `src/forge/run.ts:2: spawns a process (Deno.Command/Deno.run): only src/exec and runner plugins spawn processes`,
    `plugins/local/spawn.ts:1: imports "child_process": only src/exec spawns processes`,
  ]);
});

Deno.test("findImports reads static, re-export, side-effect and dynamic forms with lines", () => {
  const { imports } = findImports([
    `import {`,
    `  a,`,
    `} from "./a.ts";`,
    `import type { B } from './b.ts';`,
    `export { c } from "./c.ts";`,
    `import "./d.ts";`,
    'const t = `${(() => import("./e.ts"))()} {}`;',
    `type F = import("./f.ts").F;`,
    `const g = { import: "not-a-module", from: "nor-this" };`,
    `const h = import(name);`,
  ].join("\n"));
  assert.deepEqual(imports, [
    { specifier: "./a.ts", line: 3 },
    { specifier: "./b.ts", line: 4 },
    { specifier: "./c.ts", line: 5 },
    { specifier: "./d.ts", line: 6 },
    { specifier: "./e.ts", line: 7 },
    { specifier: "./f.ts", line: 8 },
  ]);
});

Deno.test("the script prints file:line violations and exits 1", async () => {
  const root = await tree({ "src/hcl/mod.ts": `import "../cli/mod.ts";\n`, "src/cli/mod.ts": "" });
  try {
    const script = new URL("./check_layers.ts", import.meta.url).pathname;
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", script, root],
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).output();
    const stdout = new TextDecoder().decode(result.stdout);
    assert.equal(result.code, 1);
    assert.match(
      stdout,
      /^src\/hcl\/mod\.ts:1: imports "\.\.\/cli\/mod\.ts" .*hcl may not import cli/m,
    );
    assert.match(stdout, /1 violation\(s\) in 2 files/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
