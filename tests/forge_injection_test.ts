/**
 * User values never become script text: hostile quoting, `$(…)`, backticks,
 * `${}` and newlines in every field of every resource type, compiled and run
 * WITHOUT the sandbox (so an injected `touch` could really write), and the
 * marker file never appears.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileBundle, validateBundle, writeBundle } from "../src/forge/mod.ts";
import { testPlan, testResource } from "../src/forge/testing.ts";
import { runBundle } from "../src/exec/mod.ts";

function hostile(marker: string): string {
  return `'"; touch ${marker}; echo "$(touch ${marker})\`touch ${marker}\`\${IFS}touch\${IFS}${marker}\n` +
    `touch ${marker} #'"\\`;
}

/** Short enough for a file name; an injected `touch M` would create M in the working directory. */
const hostileName = `q'"$(touch M)\`touch M\`\${IFS}touch\${IFS}M\n;touch M #`;

Deno.test("forge: hostile values in every field run nothing unintended", async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-inject-" });
  const marker = join(root, "MARKER");
  const h = hostile(marker);
  const relativeMarkers = [join(root, "M"), join(root, "work/M"), join(root, ".clockwork/build/M")];
  const work = join(root, "work");
  Deno.mkdirSync(work);
  // Commands are the user's shell code, so the hostile text sits where the
  // user's own syntax makes it inert: a quoted heredoc (newlines included) or
  // a one-line comment. Correct passing runs exactly that and nothing else.
  const oneLine = h.replaceAll("\n", " ");
  const heredoc = (out: string) => `cat > ${out} <<'CW_END'\n${h}\nCW_END\n# ${oneLine}`;
  // Prints its own text through CW_RUN: equal output proves it arrived unmodified.
  const selfPrinting = (out: string) => `printf %s "$CW_RUN" > ${out} # ${oneLine}`;
  const resources = [
    testResource("file", "content", { path: join(work, "content.txt"), content: h }),
    testResource("file", "path", { path: join(work, `p-${hostileName}`), content: "x" }),
    testResource("directory", "dir", { path: join(work, `d-${hostileName}`) }),
    testResource("command", "cmd", {
      run: selfPrinting(join(work, "run.out")),
      creates: join(work, `c-${hostileName}`),
      unless: `false <<'CW_END'\n${h}\nCW_END`,
      destroy: heredoc(join(work, "destroy.out")),
      env: { HOSTILE: h },
      cwd: work,
    }),
    testResource("command", "env", {
      run: `printf %s "$HOSTILE" > ${join(work, "env.out")}; ${heredoc(join(work, "heredoc.out"))}`,
      env: { HOSTILE: h },
      writes: [work],
    }),
    testResource("task", "script", {
      lang: "bash",
      script: `printf %s "$HOSTILE" > ${join(work, "task.out")}\n# ${oneLine}\n`,
      creates: join(work, `t-${hostileName}`),
      env: { HOSTILE: h },
      writes: [work],
      destroy: `printf %s "$HOSTILE" > ${join(work, "task-destroy.out")}\n`,
    }),
    testResource("task", "python", {
      lang: "python3",
      script: `import os\nopen(${
        JSON.stringify(join(work, "py.out"))
      }, "w").write(os.environ["HOSTILE"])\n`,
      env: { HOSTILE: h },
      writes: [work],
    }),
  ];
  for (const action of ["create", "delete"] as const) {
    const plan = testPlan(resources, action);
    const buildDir = join(root, ".clockwork/build");
    const compiled = compileBundle(plan, { rootDir: root });
    assert.deepEqual(compiled.diagnostics, []);
    for (const a of compiled.value.artifacts.filter((a) => a.origin === "template")) {
      assert.ok(!a.content.includes(marker), `template artifact ${a.path} contains a user value`);
    }
    assert.deepEqual(validateBundle(compiled.value, plan, buildDir), []);
    writeBundle(compiled.value, buildDir);
    const result = await runBundle(compiled.value, {
      buildDir,
      logDir: join(root, `.clockwork/logs/${action}`),
      sandbox: "none",
    });
    assert.deepEqual(
      result.failed.map((
        f,
      ) => [f.step.id, f.message, f.logPath && Deno.readTextFileSync(f.logPath)]),
      [],
    );
    for (const m of [marker, ...relativeMarkers]) {
      assert.throws(() => Deno.statSync(m), `marker ${m} appeared after ${action}`);
    }
    if (action === "create") {
      assert.equal(Deno.readTextFileSync(join(work, "content.txt")), h);
      assert.equal(
        Deno.readTextFileSync(join(work, "run.out")),
        selfPrinting(join(work, "run.out")),
      );
      assert.equal(Deno.readTextFileSync(join(work, "env.out")), h);
      assert.equal(Deno.readTextFileSync(join(work, "heredoc.out")), h + "\n");
      assert.equal(Deno.readTextFileSync(join(work, "task.out")), h);
      assert.equal(Deno.readTextFileSync(join(work, "py.out")), h);
      assert.ok(Deno.statSync(join(work, `d-${hostileName}`)).isDirectory);
      assert.equal(Deno.readTextFileSync(join(work, `p-${hostileName}`)), "x");
    } else {
      assert.equal(Deno.readTextFileSync(join(work, "destroy.out")), h + "\n");
      assert.equal(Deno.readTextFileSync(join(work, "task-destroy.out")), h);
      assert.throws(() => Deno.statSync(join(work, "content.txt")));
    }
  }
});

Deno.test("forge: hostile mode, lang, interpreter and env names are diagnostics, not commands", () => {
  const h = hostile("/tmp/never");
  const plan = testPlan([
    testResource("file", "mode", { path: "/tmp/x/a", content: "", mode: h }),
    testResource("directory", "mode", { path: "/tmp/x/d", mode: h }),
    testResource("command", "env", { run: "true", env: { [h]: "x", CW_RUN: "override" } }),
    testResource("task", "lang", { script: "true", lang: h }),
  ]);
  const compiled = compileBundle(plan, { rootDir: "/tmp/x" });
  assert.deepEqual(compiled.diagnostics.map((d) => d.code), [
    "CW4002",
    "CW4002",
    "CW4002",
    "CW4002",
    "CW4003",
  ]);
  const interpreter = testPlan([
    testResource("command", "i", { run: "true", interpreter: [h, "-c"] }),
  ]);
  const bundle = compileBundle(interpreter, { rootDir: "/tmp/x" }).value;
  assert.ok(
    validateBundle(bundle, interpreter, "/tmp/x/.clockwork/build").some((d) => d.code === "CW4011"),
  );
});

Deno.test("forge: hostile owner and group fail the step without running anything", async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-inject-" });
  const plan = testPlan([
    testResource("file", "owner", { path: join(root, "f"), content: "x", owner: hostileName }),
    testResource("directory", "group", { path: join(root, "d"), group: hostileName }),
  ]);
  const buildDir = join(root, ".clockwork/build");
  const bundle = compileBundle(plan, { rootDir: root }).value;
  writeBundle(bundle, buildDir);
  const result = await runBundle(bundle, { buildDir, logDir: join(root, "logs"), sandbox: "none" });
  assert.equal(result.failed.length, 2);
  for (const f of result.failed) assert.match(f.message!, /unknown (user|group)/);
  assert.equal(result.spawnCount, 0);
  for (const m of [join(root, "M"), join(buildDir, "M")]) assert.throws(() => Deno.statSync(m));
  assert.throws(
    () => Deno.statSync(join(root, "f")),
    "a file with an unknown owner was left behind",
  );
});
