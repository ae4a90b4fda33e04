/**
 * The program runs the same way everywhere: deno.json's `cw` task and the
 * demo use the flags of scripts/run_flags.ts, which the compile script, the
 * benchmarks and the tests' CLI helpers import.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RUN_FLAGS, V8_FLAGS_ARG } from "../scripts/run_flags.ts";
import { runCli } from "./support/cli.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

Deno.test("deno task cw runs main.ts with RUN_FLAGS", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(join(root, "deno.json"))).tasks;
  const words: string[] = tasks.cw.split(/\s+/);
  assert.equal(words.slice(0, 2).join(" "), "deno run");
  assert.deepEqual(words.slice(2, -1).sort(), [...RUN_FLAGS].sort());
  assert.equal(words.at(-1), "main.ts");
});

Deno.test("the demo runs the program with the same V8 flags", async () => {
  const demo = await Deno.readTextFile(join(root, "scripts", "demo.sh"));
  assert.ok(demo.includes(` ${V8_FLAGS_ARG} `), "scripts/demo.sh passes V8_FLAGS_ARG");
});

Deno.test("V8 accepts the flags: the program starts with them", async () => {
  const r = await runCli(["version"]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /did not recognize flag/);
  assert.match(r.stdout, /clockwork/i);
});
