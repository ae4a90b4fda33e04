/** Template details: `source`, ownership, interpreter, deno tasks, destroy without a command. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileBundle, validateBundle, writeBundle } from "../src/forge/mod.ts";
import { testPlan, testResource } from "../src/forge/testing.ts";
import { runBundle } from "../src/exec/mod.ts";

async function run(root: string, plan: ReturnType<typeof testPlan>) {
  const buildDir = join(root, ".clockwork/build");
  const compiled = compileBundle(plan, { rootDir: root });
  assert.deepEqual(compiled.diagnostics, []);
  assert.deepEqual(validateBundle(compiled.value, plan, buildDir), []);
  writeBundle(compiled.value, buildDir);
  return await runBundle(compiled.value, { buildDir, logDir: join(root, ".clockwork/logs/t") });
}

Deno.test("file: `source` is read relative to the module; a missing source is CW4030", async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-tpl-" });
  Deno.writeTextFileSync(join(root, "template.txt"), "from source\n");
  const result = await run(
    root,
    testPlan([
      testResource("file", "copy", { path: join(root, "copy.txt"), source: "template.txt" }, {
        moduleDir: root,
      }),
    ]),
  );
  assert.deepEqual(result.failed, []);
  assert.equal(Deno.readTextFileSync(join(root, "copy.txt")), "from source\n");
  const missing = compileBundle(
    testPlan([
      testResource("file", "x", { path: join(root, "x"), source: "nope.txt" }, { moduleDir: root }),
    ]),
    { rootDir: root },
  );
  assert.equal(missing.diagnostics[0].code, "CW4030");
});

Deno.test("file and directory: owner and group by name or id", {
  ignore: Deno.uid() !== 0,
}, async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-tpl-" });
  const result = await run(
    root,
    testPlan([
      testResource("directory", "d", { path: join(root, "d"), owner: "nobody", group: "65534" }),
      testResource("file", "f", {
        path: join(root, "f"),
        content: "x",
        owner: "65534",
        group: "nogroup",
      }),
    ]),
  );
  assert.deepEqual(result.failed, []);
  for (const name of ["d", "f"]) {
    const info = Deno.statSync(join(root, name));
    assert.equal(info.uid, 65534);
    assert.equal(info.gid, 65534);
  }
});

Deno.test("command: interpreter runs `run` as one argument; update re-runs; destroy without a command only forgets", async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-tpl-" });
  const out = join(root, "out.txt");
  const resource = testResource("command", "bash", {
    run: `printf '%s' "\${BASH_VERSION:+bash}" > ${out}`,
    interpreter: ["bash", "-c"],
    cwd: root,
  });
  assert.deepEqual((await run(root, testPlan([resource]))).failed, []);
  assert.equal(Deno.readTextFileSync(out), "bash");
  const update = await run(root, testPlan([resource], "update"));
  assert.equal(update.spawnCount, 1);
  const destroy = await run(root, testPlan([resource], "delete"));
  assert.deepEqual(destroy.failed, []);
  assert.equal(destroy.spawnCount, 0);
});

Deno.test("task in deno runs with its cache inside the build directory", async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-tpl-" });
  const out = join(root, "deno.txt");
  const result = await run(
    root,
    testPlan([
      testResource("task", "ts", {
        lang: "deno",
        script: `await Deno.writeTextFile(${JSON.stringify(out)}, String(1 + 1));\n`,
        creates: out,
      }),
    ]),
  );
  assert.deepEqual(
    result.failed.map((f) => [f.message, f.logPath && Deno.readTextFileSync(f.logPath)]),
    [],
  );
  assert.equal(Deno.readTextFileSync(out), "2");
});
