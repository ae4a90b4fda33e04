import assert from "node:assert/strict";
import { join } from "node:path";
import {
  compileBundle,
  validateBundle,
  verifyWrittenBundle,
  writeBundle,
} from "../src/forge/mod.ts";
import { testPlan, testResource } from "../src/forge/testing.ts";
import { runBundle, type RunOptions } from "../src/exec/mod.ts";
import { systemTest } from "./support/system.ts";

async function setup(dir?: string) {
  // Under /tmp or /var/tmp alike, a stray write outside the grant fails: the root is read-only.
  const root = await Deno.makeTempDir({ prefix: "cw-exec-", dir });
  return {
    root,
    buildDir: join(root, ".clockwork/build"),
    logDir: join(root, ".clockwork/logs/run1"),
  };
}

async function compileAndRun(
  root: string,
  resources: Parameters<typeof testPlan>[0],
  options: Partial<RunOptions> = {},
  action: "create" | "delete" = "create",
) {
  const plan = testPlan(resources, action);
  const buildDir = join(root, ".clockwork/build");
  const compiled = compileBundle(plan, { rootDir: root });
  assert.deepEqual(compiled.diagnostics, []);
  assert.deepEqual(validateBundle(compiled.value, plan, buildDir), []);
  writeBundle(compiled.value, buildDir);
  assert.deepEqual(verifyWrittenBundle(compiled.value, buildDir), []);
  return await runBundle(compiled.value, {
    buildDir,
    logDir: join(root, ".clockwork/logs/run1"),
    ...options,
  });
}

Deno.test("exec: file, directory, command and task steps run in dependency order", async () => {
  const { root } = await setup();
  const dir = join(root, "site");
  const result = await compileAndRun(root, [
    testResource("directory", "site", { path: dir, mode: "0750" }),
    testResource("file", "index", {
      path: join(dir, "index.html"),
      content: "<h1>hi</h1>",
      mode: "0640",
    }, {
      dependsOn: ["directory.site"],
    }),
    testResource("command", "stamp", {
      run: "cat index.html > stamp.txt",
      creates: join(dir, "stamp.txt"),
      cwd: dir,
    }, { dependsOn: ["file.index"] }),
    testResource("task", "py", {
      lang: "python3",
      script: `import os\nopen(os.environ["OUT"], "w").write("from python")\n`,
      env: { OUT: join(dir, "py.txt") },
      writes: [join(dir, "py.txt")],
    }, { dependsOn: ["directory.site"] }),
  ]);
  assert.deepEqual(result.failed, [], JSON.stringify(result.failed, null, 2));
  assert.equal(Deno.readTextFileSync(join(dir, "stamp.txt")), "<h1>hi</h1>");
  assert.equal(Deno.readTextFileSync(join(dir, "py.txt")), "from python");
  assert.equal(Deno.statSync(join(dir, "index.html")).mode! & 0o777, 0o640);
  assert.equal(Deno.statSync(dir).mode! & 0o777, 0o750);
  const file = result.results.find((r) => r.step.address === "file.index")!;
  assert.equal(file.observed!.mode, "0640");
  assert.equal(file.observed!.size, 11);
  assert.equal(result.spawnCount, 2);
});

Deno.test("exec: a failure stops new steps; running ones finish; the result names the log", async () => {
  const { root } = await setup();
  const slowDone = join(root, "slow-done");
  const result = await compileAndRun(root, [
    testResource("command", "bad", { run: "echo boom >&2; exit 3" }),
    testResource("command", "slow", { run: `sleep 0.5; touch ${slowDone}`, writes: [root] }),
    testResource("command", "after", { run: "true" }, { dependsOn: ["command.bad"] }),
  ]);
  const byAddress = Object.fromEntries(result.results.map((r) => [r.step.address, r]));
  assert.equal(byAddress["command.bad"].status, "failed");
  assert.match(byAddress["command.bad"].message!, /exited with code 3/);
  assert.match(Deno.readTextFileSync(byAddress["command.bad"].logPath!), /boom/);
  assert.equal(byAddress["command.slow"].status, "ok");
  assert.ok(Deno.statSync(slowDone).isFile);
  assert.equal(byAddress["command.after"].status, "skipped");
});

Deno.test("exec: a timeout kills the whole process group", async () => {
  const { root } = await setup();
  const marker = join(root, "survivor");
  const started = performance.now();
  const result = await compileAndRun(root, [
    testResource("command", "hang", {
      // A background grandchild that would write the marker after the timeout.
      run: `(sleep 1.5; touch ${marker}) & sleep 30`,
      writes: [root],
    }, { timeoutMs: 500 }),
  ], { killGraceMs: 200 });
  assert.equal(result.failed.length, 1);
  assert.ok(result.failed[0].timedOut);
  assert.match(result.failed[0].message!, /timed out after 500ms/);
  assert.ok(performance.now() - started < 5000);
  await new Promise((r) => setTimeout(r, 1800));
  assert.throws(() => Deno.statSync(marker), "the grandchild survived the timeout");
});

Deno.test("exec: the environment is scrubbed to the step's env plus PATH", async () => {
  const { root } = await setup();
  const out = join(root, "env.txt");
  Deno.env.set("CW_TEST_SECRET_SHOULD_NOT_LEAK", "leak");
  const result = await compileAndRun(root, [
    testResource("command", "env", { run: `env > ${out}`, env: { GREETING: "hi" }, writes: [out] }),
  ]);
  assert.deepEqual(result.failed, []);
  const names = Deno.readTextFileSync(out).split("\n").filter(Boolean).map((l) => l.split("=")[0]);
  assert.ok(!names.includes("CW_TEST_SECRET_SHOULD_NOT_LEAK"));
  assert.ok(!names.includes("HOME"));
  assert.ok(names.includes("GREETING") && names.includes("PATH") && names.includes("CW_RUN"));
});

Deno.test("exec: parallelism runs independent steps at once", async () => {
  const { root } = await setup();
  const resources = Array.from(
    { length: 4 },
    (_, i) => testResource("command", `s${i}`, { run: "sleep 0.4" }),
  );
  const started = performance.now();
  const result = await compileAndRun(root, resources, { parallelism: 4 });
  assert.deepEqual(result.failed, []);
  assert.ok(performance.now() - started < 1400, "four 0.4 s steps should overlap");
});

Deno.test("exec: an aborted run starts nothing new and reports interrupted", async () => {
  const { root } = await setup();
  const controller = new AbortController();
  const resources = [
    testResource("command", "first", { run: "sleep 0.3" }),
    testResource("command", "second", { run: "true" }, { dependsOn: ["command.first"] }),
  ];
  const run = compileAndRun(root, resources, { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  const result = await run;
  assert.equal(result.results[0].status, "ok");
  assert.equal(result.results[1].status, "skipped");
  assert.ok(result.interrupted);
});

systemTest("exec: inside bwrap a step cannot write outside its grant", ["bwrap"], async () => {
  const { root } = await setup("/var/tmp");
  const allowedDir = join(root, "allowed");
  const forbiddenDir = join(root, "forbidden");
  Deno.mkdirSync(allowedDir);
  Deno.mkdirSync(forbiddenDir);
  // What an earlier, unconfined run may have left must not decide this one.
  try {
    Deno.removeSync("/tmp/undeclared-tmp.txt");
  } catch { /* not there */ }
  const result = await compileAndRun(root, [
    testResource("command", "try", {
      run: [
        `echo ok > ${allowedDir}/a.txt`,
        `echo no > ${forbiddenDir}/b.txt 2>/dev/null && echo WROTE-FORBIDDEN`,
        `echo no > ${root}/c.txt 2>/dev/null && echo WROTE-ROOT`,
        `echo x > /tmp/undeclared-tmp.txt 2>/dev/null && echo WROTE-TMP`,
        `echo x > "$TMPDIR/scratch.txt" && echo tmp-ok`,
        `echo build > scripts/../from-step.txt && echo build-ok`,
        "true",
      ].join("\n"),
      writes: [allowedDir],
    }),
  ], { sandbox: "bwrap" });
  assert.deepEqual(result.failed, []);
  const log = Deno.readTextFileSync(result.results[0].logPath!);
  assert.equal(Deno.readTextFileSync(join(allowedDir, "a.txt")), "ok\n");
  assert.doesNotMatch(log, /WROTE-/);
  assert.throws(() => Deno.statSync(join(forbiddenDir, "b.txt")));
  assert.throws(() => Deno.statSync(join(root, "c.txt")));
  assert.match(log, /tmp-ok/);
  assert.throws(
    () => Deno.statSync("/tmp/undeclared-tmp.txt"),
    "/tmp is read-only unless declared",
  );
  assert.match(log, /build-ok/);
  await Deno.remove(root, { recursive: true });
});

systemTest("exec: inside bwrap there is no network unless the step asks", ["bwrap"], async () => {
  const { root } = await setup();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepting = (async () => {
    for await (const conn of listener) conn.close();
  })();
  const probe =
    `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port}), 2); print('CONNECTED')"`;
  const result = await compileAndRun(root, [
    testResource("command", "offline", { run: `${probe} || echo OFFLINE` }),
    testResource("command", "online", { run: probe, network: true }),
  ], { sandbox: "bwrap" });
  listener.close();
  await accepting.catch(() => {});
  assert.deepEqual(result.failed, [], JSON.stringify(result.failed));
  assert.match(Deno.readTextFileSync(result.results[0].logPath!), /OFFLINE/);
  assert.match(Deno.readTextFileSync(result.results[1].logPath!), /CONNECTED/);
});

Deno.test("exec: in-process ops refuse paths outside the step's writes", async () => {
  const { root } = await setup();
  const plan = testPlan([testResource("file", "f", { path: join(root, "f.txt"), content: "x" })]);
  const buildDir = join(root, ".clockwork/build");
  const bundle = compileBundle(plan, { rootDir: root }).value;
  bundle.steps[0].writes = [join(root, "elsewhere")];
  writeBundle(bundle, buildDir);
  const result = await runBundle(bundle, { buildDir, logDir: join(root, "logs") });
  assert.equal(result.failed.length, 1);
  assert.match(result.failed[0].message!, /outside the step's declared writes/);
  assert.throws(() => Deno.statSync(join(root, "f.txt")));
});

systemTest(
  "exec: inside bwrap a step cannot rewrite another step's script",
  ["bwrap"],
  async () => {
    const { root } = await setup("/var/tmp");
    const out = join(root, "out");
    Deno.mkdirSync(out);
    const result = await compileAndRun(root, [
      testResource("command", "tamper", {
        run: `echo 'touch ${out}/PWNED' >> scripts/command.victim.create.sh && echo TAMPERED; ` +
          `echo scratch > scratch.txt && echo SCRATCH-OK`,
      }),
      testResource("command", "victim", { run: `echo victim > ${out}/victim.txt`, cwd: out }, {
        dependsOn: ["command.tamper"],
      }),
    ], { sandbox: "bwrap" });
    assert.deepEqual(result.failed, [], JSON.stringify(result.failed));
    const log = Deno.readTextFileSync(result.results[0].logPath!);
    assert.doesNotMatch(log, /TAMPERED/);
    assert.match(log, /SCRATCH-OK/);
    assert.equal(Deno.readTextFileSync(join(out, "victim.txt")), "victim\n");
    assert.throws(() => Deno.statSync(join(out, "PWNED")));
    await Deno.remove(root, { recursive: true });
  },
);

Deno.test("exec: a script changed after validation is refused", async () => {
  const { root } = await setup();
  const marker = join(root, "PWNED");
  const plan = testPlan([testResource("command", "c", { run: "true" })]);
  const buildDir = join(root, ".clockwork/build");
  const bundle = compileBundle(plan, { rootDir: root }).value;
  writeBundle(bundle, buildDir);
  Deno.writeTextFileSync(join(buildDir, bundle.artifacts[0].path), `touch ${marker}\n`, {
    append: true,
  });
  const result = await runBundle(bundle, { buildDir, logDir: join(root, "logs"), sandbox: "none" });
  assert.equal(result.failed.length, 1);
  assert.match(result.failed[0].message!, /changed after validation/);
  assert.throws(() => Deno.statSync(marker));
});

systemTest("exec: a grant holding the configuration directory still cannot touch .clockwork/", [
  "bwrap",
], async () => {
  const { root } = await setup("/var/tmp");
  Deno.mkdirSync(join(root, ".clockwork"), { recursive: true });
  Deno.writeTextFileSync(join(root, ".clockwork/state.json"), "{}");
  const result = await compileAndRun(root, [
    testResource("command", "greedy", {
      run: "echo x > .clockwork/state.json || echo STATE-PROTECTED; echo y > mine.txt",
      cwd: root,
    }),
  ], { sandbox: "bwrap" });
  assert.deepEqual(result.failed, []);
  assert.match(Deno.readTextFileSync(result.results[0].logPath!), /STATE-PROTECTED/);
  assert.equal(Deno.readTextFileSync(join(root, ".clockwork/state.json")), "{}");
  assert.equal(Deno.readTextFileSync(join(root, "mine.txt")), "y\n");
  await Deno.remove(root, { recursive: true });
});

Deno.test("exec: killSignal (a second Ctrl-C) stops running steps at once", async () => {
  const { root } = await setup();
  const stop = new AbortController();
  const started = performance.now();
  const run = compileAndRun(root, [testResource("command", "long", { run: "sleep 20" })], {
    killSignal: stop.signal,
    killGraceMs: 200,
  });
  setTimeout(() => stop.abort(), 300);
  const result = await run;
  assert.ok(performance.now() - started < 5000);
  assert.equal(result.failed.length, 1);
  assert.match(result.failed[0].message!, /interrupted twice/);
});

systemTest("exec: a grant whose nearest existing parent is too broad is refused, not widened", [
  "bwrap",
], async () => {
  const { root } = await setup();
  const result = await compileAndRun(root, [
    testResource("command", "wide", { run: "true", creates: "/cw-no-such-top-dir/new/file" }),
  ], { sandbox: "bwrap" });
  assert.equal(result.failed.length, 1);
  assert.match(result.failed[0].message!, /too broad to grant/);
  assert.match(Deno.readTextFileSync(result.failed[0].logPath!), /too broad/);
});
