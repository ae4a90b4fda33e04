/**
 * The plugin host against hostile plugins, the file state backend behind its
 * Worker, and `clockwork plugin add/list/remove/verify` end to end.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  installPlugin,
  PluginHost,
  type PluginHostOptions,
  verifyPlugins,
} from "../src/plugins/host/mod.ts";
import {
  type Manifest,
  type Permissions,
  PluginError,
  type PluginFailure,
  readLock,
  sha256Hex,
  writeLock,
} from "../src/plugins/protocol/mod.ts";
import { BUILTIN_PLUGINS } from "../plugins/builtins.ts";
import {
  pluginAddCommand,
  pluginListCommand,
  pluginRemoveCommand,
  pluginVerifyCommand,
} from "../src/cli/commands/plugin.ts";
import type { Command } from "../src/cli/commands/_types.ts";
import { createContext } from "../src/cli/context.ts";
import { bufferIo } from "../src/cli/io.ts";
import { bundlePlugin } from "../scripts/bundle-plugin.ts";
import { assertBundlesMatchSources } from "./support/bundles.ts";
import { startHttpServer } from "./support/http.ts";
import { runCli } from "./support/cli.ts";

const HOSTILE = fileURLToPath(new URL("./plugins/hostile/", import.meta.url));
const ECHO = fileURLToPath(new URL("./plugins/fixtures/echo/", import.meta.url));

interface Loaded {
  readonly name: string;
  readonly file: string;
  readonly permissions?: Permissions;
}

/** A host whose plugins are hostile files loaded like built-ins, with the given grants. */
async function hostWith(
  plugins: Loaded[],
  options: Partial<PluginHostOptions> = {},
): Promise<PluginHost> {
  const builtins = [...BUILTIN_PLUGINS];
  for (const p of plugins) {
    const code = await Deno.readTextFile(join(HOSTILE, p.file));
    const manifest: Manifest = {
      name: p.name,
      version: "0.0.0",
      kind: "runner",
      entry: "plugin.js",
      sdk: "1",
      permissions: p.permissions ?? {},
    };
    builtins.push({ manifest, code, sha256: await sha256Hex(new TextEncoder().encode(code)) });
  }
  return new PluginHost({
    configDir: options.configDir ?? await Deno.makeTempDir({ prefix: "cw-plugins-" }),
    builtins,
    requestTimeoutMs: 5_000,
    startTimeoutMs: 5_000,
    ...options,
  });
}

async function expectPluginError(
  promise: Promise<unknown>,
  failure: PluginFailure,
  pattern: RegExp,
  plugin: string,
): Promise<PluginError> {
  try {
    const value = await promise;
    assert.fail(`expected a ${failure} PluginError, got ${JSON.stringify(value)}`);
  } catch (e) {
    if (!(e instanceof PluginError)) throw e;
    assert.equal(e.failure, failure, e.message);
    assert.equal(e.plugin, plugin);
    assert.match(e.message, new RegExp(`^plugin "${plugin}": `));
    assert.match(e.message, pattern);
    return e;
  }
}

/** The state backend still answers: the host survived whatever happened before. */
async function assertHostUsable(host: PluginHost): Promise<void> {
  const state = host.state("state-file");
  await state.write({ content: '{"serial":1}' });
  assert.deepEqual(await state.read({}), { content: '{"serial":1}' });
}

/** A local server answering every request with `body`, counting them. */
function countingServer(body: string, headers?: HeadersInit) {
  const requests = { count: 0 };
  const server = startHttpServer(() => {
    requests.count++;
    return new Response(body, { headers });
  });
  return { server, requests };
}

// ── permissions ─────────────────────────────────────────────────────────────

Deno.test("a plugin granted read on one directory reads there and nowhere else", async () => {
  const configDir = await Deno.makeTempDir({ prefix: "cw-plugins-" });
  await Deno.mkdir(join(configDir, "allowed"));
  await Deno.mkdir(join(configDir, "other"));
  await Deno.writeTextFile(join(configDir, "allowed", "a.txt"), "visible");
  await Deno.writeTextFile(join(configDir, "other", "b.txt"), "hidden");
  using host = await hostWith(
    [{ name: "escape", file: "escape.js", permissions: { read: ["allowed"] } }],
    { configDir },
  );
  assert.deepEqual(
    await host.request("escape", "readFile", { path: join(configDir, "allowed", "a.txt") }),
    { text: "visible" },
  );
  await expectPluginError(
    host.request("escape", "readFile", { path: join(configDir, "other", "b.txt") }),
    "denied",
    /readFile was denied: .*read access to ".*other\/b\.txt"/,
    "escape",
  );
  await expectPluginError(
    host.request("escape", "readFile", { path: "/etc/passwd" }),
    "denied",
    /read access/,
    "escape",
  );
  await expectPluginError(
    host.request("escape", "writeFile", { path: join(configDir, "allowed", "a.txt") }),
    "denied",
    /write access/,
    "escape",
  );
  assert.equal(await Deno.readTextFile(join(configDir, "allowed", "a.txt")), "visible");
  await assertHostUsable(host);
});

Deno.test("network, processes, environment and system info are denied unless granted", async () => {
  const { server, requests } = countingServer("secret");
  try {
    Deno.env.set("CW_PLUGIN_TEST_VAR", "granted-value");
    using host = await hostWith([
      { name: "escape", file: "escape.js" },
      {
        name: "granted",
        file: "escape.js",
        permissions: { net: [`127.0.0.1:${server.port}`], env: ["CW_PLUGIN_TEST_VAR"] },
      },
    ]);
    const attempts: [string, unknown, RegExp][] = [
      ["connect", { hostname: "127.0.0.1", port: server.port }, /net access to "127\.0\.0\.1/],
      ["fetch", { url: server.url }, /net access/],
      ["spawn", { command: "true" }, /run access to "true"/],
      ["env", { name: "HOME" }, /env access to "HOME"/],
      ["env", { name: "CW_PLUGIN_TEST_VAR" }, /env access/],
      ["hostname", {}, /sys access/],
    ];
    for (const [method, params, pattern] of attempts) {
      await expectPluginError(host.request("escape", method, params), "denied", pattern, "escape");
    }
    assert.equal(requests.count, 0, "the server must never have been reached");
    // The same code with a grant gets exactly what it was granted.
    assert.deepEqual(await host.request("granted", "fetch", { url: server.url }), {
      body: "secret",
    });
    assert.equal(requests.count, 1);
    assert.deepEqual(await host.request("granted", "env", { name: "CW_PLUGIN_TEST_VAR" }), {
      value: "granted-value",
    });
    await expectPluginError(
      host.request("granted", "env", { name: "HOME" }),
      "denied",
      /HOME/,
      "granted",
    );
    await assertHostUsable(host);
  } finally {
    Deno.env.delete("CW_PLUGIN_TEST_VAR");
    await server.close();
  }
});

Deno.test("code cannot be loaded or evaluated at run time", async () => {
  const { server, requests } = countingServer("export default 42;", {
    "content-type": "application/javascript",
  });
  try {
    using host = await hostWith([{ name: "escape", file: "escape.js" }]);
    const url = `${server.url}/evil.js`;
    const blocked: [string, unknown, RegExp][] = [
      ["evalImport", { url }, /eval is not available/],
      ["evalImport", { url: "data:text/javascript,export default 1" }, /eval is not available/],
      ["functionImport", { url }, /Function constructor is not available/],
      ["functionCtor", {}, /Function constructor is not available/],
      ["nestedWorker", { url: "data:text/javascript,postMessage(1)" }, /Worker is not defined/],
      ["broadcast", {}, /BroadcastChannel is not defined/],
      ["nodeBuiltin", {}, /process is not defined|Cannot read properties of undefined/],
      ["internals", {}, /Cannot read properties of undefined/],
    ];
    for (const [method, params, pattern] of blocked) {
      await expectPluginError(host.request("escape", method, params), "remote", pattern, "escape");
    }
    assert.deepEqual(await host.request("escape", "requestPermission", {}), { state: "denied" });
    assert.equal(requests.count, 0, "no module may have been fetched");
    await assertHostUsable(host);
  } finally {
    await server.close();
  }
});

Deno.test("bundles with import syntax are refused before they run", async () => {
  const { server, requests } = countingServer("export default 42;", {
    "content-type": "application/javascript",
  });
  try {
    using host = await hostWith([
      { name: "import-remote", file: "import-remote.js" },
      { name: "import-data", file: "import-data.js" },
      { name: "import-static", file: "import-static.js" },
    ]);
    for (const name of ["import-remote", "import-data", "import-static"]) {
      await expectPluginError(
        host.request(name, "observe", { resources: [] }),
        "rejected",
        /uses "import" \(line \d+\); a plugin must be a single self-contained module/,
        name,
      );
      assert.equal(host.isRunning(name), false);
    }
    assert.equal(requests.count, 0);
    await assertHostUsable(host);
  } finally {
    await server.close();
  }
});

// ── misbehaviour ────────────────────────────────────────────────────────────

Deno.test("a plugin that hangs times out, is stopped, and the host stays usable", async () => {
  using host = await hostWith([
    { name: "hang", file: "hang.js" },
    { name: "hang-start", file: "hang-start.js" },
  ], { startTimeoutMs: 300 });
  const started = performance.now();
  await expectPluginError(
    host.request("hang", "observe", { resources: [] }, { timeoutMs: 200 }),
    "timeout",
    /did not answer "observe" within 200 ms/,
    "hang",
  );
  assert.ok(performance.now() - started < 3_000);
  assert.equal(host.isRunning("hang"), false, "the spinning Worker must be terminated");
  // A fresh Worker starts on the next call; this one just never answers.
  await expectPluginError(
    host.request("hang", "execute", {
      step: { id: "s", argv: ["x"], env: {}, cwd: "/", timeoutMs: 1 },
    }, { timeoutMs: 150 }),
    "timeout",
    /"execute" within 150 ms/,
    "hang",
  );
  await expectPluginError(
    host.request("hang-start", "observe", { resources: [] }),
    "start",
    /did not answer its initialization in time/,
    "hang-start",
  );
  await assertHostUsable(host);
});

Deno.test("a plugin that floods the host with messages is stopped", async () => {
  const logs: string[] = [];
  using host = await hostWith([{ name: "flood", file: "flood.js" }], {
    maxNotifications: 50,
    onLog: (plugin, _level, message) => logs.push(`${plugin}: ${message}`),
  });
  await expectPluginError(
    host.request("flood", "observe", { resources: [] }),
    "flood",
    /more than 50 messages without answering/,
    "flood",
  );
  assert.equal(logs.length, 50);
  assert.equal(logs[0], "flood: spam 0");
  assert.equal(host.isRunning("flood"), false);
  await assertHostUsable(host);
});

Deno.test("a plugin that crashes gives a clear error naming it", async () => {
  using host = await hostWith([
    { name: "crash-start", file: "crash-start.js" },
    { name: "crash-later", file: "crash-later.js" },
  ]);
  const atStart = await expectPluginError(
    host.request("crash-start", "observe", { resources: [] }),
    "start",
    /boom at start/,
    "crash-start",
  );
  assert.equal(atStart.toDiagnostic().code, "CW7007");
  await expectPluginError(
    host.request("crash-later", "observe", { resources: [] }),
    "crashed",
    /uncaught error: .*boom while working/,
    "crash-later",
  );
  assert.equal(host.isRunning("crash-later"), false);
  await assertHostUsable(host);
});

Deno.test("a plugin that answers garbage breaks only its own request", async () => {
  using host = await hostWith([{ name: "garbage", file: "garbage.js" }]);
  const step = (mode: string) => ({
    step: { id: "s", argv: [mode], env: {}, cwd: "/", timeoutMs: 1000 },
  });
  await expectPluginError(
    host.request("garbage", "observe", { resources: [] }),
    "protocol",
    /answered "observe" with an invalid result: observations/,
    "garbage",
  );
  await expectPluginError(
    host.request("garbage", "execute", step("bad-types")),
    "protocol",
    /invalid result: exitCode/,
    "garbage",
  );
  await expectPluginError(
    host.request("garbage", "execute", step("not-object")),
    "protocol",
    /malformed message: "hello there"/,
    "garbage",
  );
  await expectPluginError(
    host.request("garbage", "execute", step("wrong-id")),
    "protocol",
    /answered request #\d+, which was never sent/,
    "garbage",
  );
  await expectPluginError(
    host.request("garbage", "execute", step("no-id")),
    "protocol",
    /malformed message/,
    "garbage",
  );
  await assertHostUsable(host);
});

Deno.test("plugins cannot see each other", async () => {
  using host = await hostWith([
    { name: "left", file: "escape.js" },
    { name: "right", file: "escape.js" },
  ]);
  await host.request("left", "setGlobal", { value: "left's secret" });
  assert.deepEqual(await host.request("left", "getGlobal", {}), { value: "left's secret" });
  assert.deepEqual(await host.request("right", "getGlobal", {}), { value: null });
});

Deno.test("unknown plugins and wrong kinds are errors, not crashes", async () => {
  using host = await hostWith([{ name: "escape", file: "escape.js" }]);
  await expectPluginError(
    host.request("nope", "read", {}),
    "not_installed",
    /not installed/,
    "nope",
  );
  assert.throws(() => host.state("escape"), /is a runner plugin, not a state plugin/);
  await assert.rejects(
    host.state("state-file").write({ content: 42 as unknown as string }),
    TypeError,
  );
});

// ── the file state backend ──────────────────────────────────────────────────

Deno.test("state-file: read, atomic write with backup, lock and unlock", async () => {
  const configDir = await Deno.makeTempDir({ prefix: "cw-state-" });
  using host = new PluginHost({ configDir, builtins: BUILTIN_PLUGINS });
  const state = host.state("state-file");
  assert.deepEqual(await state.read({}), { content: null });
  assert.deepEqual(await state.write({ content: '{"serial":1}' }), { bytes: 12 });
  await state.write({ content: '{"serial":2}' });
  assert.deepEqual(await state.read({}), { content: '{"serial":2}' });
  assert.equal(await Deno.readTextFile(join(configDir, ".clockwork/state.json")), '{"serial":2}');
  assert.equal(
    await Deno.readTextFile(join(configDir, ".clockwork/state.json.backup")),
    '{"serial":1}',
  );
  const leftovers = [...Deno.readDirSync(join(configDir, ".clockwork"))].map((e) => e.name).sort();
  assert.deepEqual(leftovers, ["state.json", "state.json.backup"], "no temp files remain");

  const info = {
    id: "run-1",
    pid: 42,
    host: "box",
    time: "2026-01-01T00:00:00Z",
    command: "apply",
  };
  assert.deepEqual(await state.lock({ info }), { acquired: true });
  const second = await state.lock({ info: { ...info, id: "run-2", pid: 43 } });
  assert.equal(second.acquired, false);
  assert.deepEqual(second.holder, info);
  await expectPluginError(
    state.unlock({ id: "run-2" }),
    "remote",
    /unlock failed \(conflict\): the lock is held by apply \(pid 42 on box/,
    "state-file",
  );
  assert.deepEqual(await state.unlock({ id: "run-1" }), { released: true });
  assert.deepEqual(await state.unlock({ id: "run-1" }), { released: false });
  assert.deepEqual(await state.lock({ info: { ...info, id: "run-3" } }), { acquired: true });
  assert.deepEqual(await state.unlock({ id: "other", force: true }), { released: true });
});

Deno.test("state-file: cannot write outside .clockwork, and the state stays intact", async () => {
  const configDir = await Deno.makeTempDir({ prefix: "cw-state-" });
  using host = new PluginHost({
    configDir,
    builtins: BUILTIN_PLUGINS,
    settings: { "state-file": { path: "outside.json" } },
  });
  await expectPluginError(
    host.state("state-file").write({ content: "{}" }),
    "denied",
    /write was denied: .*write access/,
    "state-file",
  );
  await assert.rejects(Deno.stat(join(configDir, "outside.json")), Deno.errors.NotFound);
});

// ── installed plugins and clockwork.lock ────────────────────────────────────

async function bundledEcho(): Promise<string> {
  const out = await Deno.makeTempDir({ prefix: "cw-echo-" });
  const bundled = await bundlePlugin(ECHO);
  await Deno.writeTextFile(join(out, "echo.js"), bundled.code);
  await Deno.writeTextFile(
    join(out, "clockwork-plugin.json"),
    JSON.stringify(bundled.manifest, null, 2),
  );
  return out;
}

Deno.test("an installed plugin runs with its lock grant; tampered bytes are refused", async () => {
  const source = await bundledEcho();
  const configDir = await Deno.makeTempDir({ prefix: "cw-lock-" });
  await Deno.mkdir(join(configDir, "data"));
  await Deno.writeTextFile(join(configDir, "data", "f.txt"), "hi");
  const installed = await installPlugin({
    configDir,
    cwd: configDir,
    source,
    confirm: () => Promise.resolve(true),
  });
  assert.deepEqual(installed.diagnostics, []);
  const logs: string[] = [];
  {
    const opened = await PluginHost.open({ configDir, onLog: (_p, _l, m) => logs.push(m) });
    using host = opened.value;
    const runner = host.runner("echo");
    const observed = await runner.observe({
      resources: [
        { address: "file.a", type: "file", attributes: { path: "data/f.txt" } },
        { address: "file.b", type: "file", attributes: { path: "data/none.txt" } },
      ],
    });
    assert.deepEqual(observed.observations, {
      "file.a": { exists: true, attributes: { content: "hi" } },
      "file.b": { exists: false, attributes: {} },
    });
    const result = await runner.execute({
      step: { id: "s1", argv: ["echo", "hello"], env: {}, cwd: configDir, timeoutMs: 1000 },
    });
    assert.equal(result.stdout, "echo hello");
    assert.deepEqual(logs, ["echoing s1"]);
    await expectPluginError(
      runner.observe({
        resources: [{ address: "file.x", type: "file", attributes: { path: "../../etc/passwd" } }],
      }),
      "denied",
      /read access/,
      "echo",
    );
  }
  // Someone edits the installed bundle: the host refuses to load it.
  const entry = join(configDir, ".clockwork/plugins/echo/echo.js");
  await Deno.writeTextFile(entry, (await Deno.readTextFile(entry)) + "\n// changed");
  using host = (await PluginHost.open({ configDir })).value;
  await expectPluginError(
    host.runner("echo").observe({ resources: [] }),
    "integrity",
    /sha256 is [0-9a-f]{64} but clockwork\.lock expects [0-9a-f]{64}; refusing to load it/,
    "echo",
  );
  const verified = await verifyPlugins(configDir);
  assert.equal(verified.value?.[0].ok, false);
});

Deno.test("the lock keeps the AI section and unknown keys untouched", async () => {
  const configDir = await Deno.makeTempDir({ prefix: "cw-lock-" });
  const ai = { answers: { abc: { content: "pinned", model: "m" } } };
  await writeLock(configDir, { format_version: "1", plugins: {}, ai, extra: [1, 2] });
  const installed = await installPlugin({
    configDir,
    cwd: configDir,
    source: await bundledEcho(),
    confirm: () => Promise.resolve(true),
  });
  assert.deepEqual(installed.diagnostics, []);
  const lock = await readLock(configDir);
  assert.deepEqual(lock.value.ai, ai);
  assert.deepEqual(lock.value.extra, [1, 2]);
  assert.deepEqual(Object.keys(lock.value.plugins), ["echo"]);
  assert.deepEqual(lock.value.plugins.echo.permissions, { read: ["data"] });
});

// ── clockwork plugin … through the command objects ──────────────────────────

interface Captured {
  code: number;
  stdout: string;
  /** Human mode: prompts and rendered diagnostics (`error[CW7003]: …`). */
  stderr: string;
}

/** Runs a command object in-process the way the dispatcher does. */
async function runCommand(
  command: Command,
  cwd: string,
  positionals: string[],
  values: Record<string, string | boolean> = {},
  options: { json?: boolean; answer?: string } = {},
): Promise<Captured> {
  const io = bufferIo({ interactive: options.answer !== undefined, stdin: options.answer });
  const ctx = createContext({
    command,
    globals: { json: options.json ?? false, noColor: true, vars: [], varFiles: [], noAi: false },
    io,
    cwd,
    env: {},
    values,
    positionals,
  });
  const code = await command.run(ctx);
  return { code, stdout: io.out, stderr: io.err };
}

Deno.test("plugin add/list/verify/remove through the commands", async () => {
  const source = await bundledEcho();
  const sha = await sha256Hex(await Deno.readFile(join(source, "echo.js")));
  const dir = await Deno.makeTempDir({ prefix: "cw-cli-" });

  // No terminal and no --yes: refuse, say how to proceed, install nothing.
  const refused = await runCommand(pluginAddCommand, dir, [source]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /stdin is not a terminal; pass --yes/);
  await assert.rejects(Deno.stat(join(dir, "clockwork.lock")), Deno.errors.NotFound);

  // On a terminal the user sees the permissions and may say no.
  const declined = await runCommand(pluginAddCommand, dir, [source], {}, { answer: "no" });
  assert.equal(declined.code, 1);
  assert.match(declined.stderr, /requests these permissions:\n {2}- read files: data/);

  // A wrong --sha256 refuses.
  const wrong = await runCommand(pluginAddCommand, dir, [source], {
    sha256: "0".repeat(64),
    yes: true,
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /error\[CW7003\][\s\S]*/);
  await assert.rejects(Deno.stat(join(dir, ".clockwork/plugins/echo")), Deno.errors.NotFound);

  // The .js beside its manifest, with the right digest, accepted on the terminal.
  const added = await runCommand(
    pluginAddCommand,
    dir,
    [join(source, "echo.js")],
    { sha256: sha.toUpperCase() },
    { answer: "yes" },
  );
  assert.equal(added.code, 0, added.stderr);
  assert.match(
    added.stdout,
    new RegExp(`Installed plugin echo 0\\.1\\.0 \\(runner\\), sha256 ${sha}`),
  );
  const lock = JSON.parse(await Deno.readTextFile(join(dir, "clockwork.lock")));
  assert.equal(lock.format_version, "1");
  assert.deepEqual(lock.plugins.echo, {
    version: "0.1.0",
    kind: "runner",
    sha256: sha,
    source: join(source, "echo.js"),
    entry: "echo.js",
    permissions: { read: ["data"] },
  });

  const table = await runCommand(pluginListCommand, dir, []);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^NAME\s+VERSION\s+KIND\s+SHA256\s+PERMISSIONS$/m);
  assert.match(
    table.stdout,
    new RegExp(`^echo\\s+0\\.1\\.0\\s+runner\\s+${sha.slice(0, 12)}\\s+read files: data$`, "m"),
  );
  assert.match(
    table.stdout,
    /^state-file\s+1\.0\.0\s+state\s+builtin\s+read files: \.clockwork; write files: \.clockwork$/m,
  );
  const listed = await runCommand(pluginListCommand, dir, [], {}, { json: true });
  const doc = JSON.parse(listed.stdout);
  assert.equal(doc.format_version, "1");
  assert.deepEqual(
    doc.plugins.map((p: { name: string }) => p.name),
    ["echo", ...BUILTIN_PLUGINS.map((b) => b.manifest.name)].sort(),
  );

  const ok = await runCommand(pluginVerifyCommand, dir, []);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /^ok\s+echo$/m);

  await Deno.writeTextFile(join(dir, ".clockwork/plugins/echo/echo.js"), "tampered");
  const bad = await runCommand(pluginVerifyCommand, dir, []);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /MISMATCH\s+echo: .*clockwork\.lock expects/);
  assert.match(bad.stderr, /error\[CW7002\][\s\S]*Plugin echo does not match/);

  const removed = await runCommand(pluginRemoveCommand, dir, ["echo"]);
  assert.equal(removed.code, 0);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, "clockwork.lock"))).plugins, {});
  await assert.rejects(Deno.stat(join(dir, ".clockwork/plugins/echo")), Deno.errors.NotFound);
  const again = await runCommand(pluginRemoveCommand, dir, ["echo"]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /error\[CW7004\][\s\S]*/);
  const builtin = await runCommand(pluginRemoveCommand, dir, ["state-file"]);
  assert.equal(builtin.code, 1);
  assert.match(builtin.stderr, /error\[CW7004\]: Built-in plugins cannot be removed/);
});

Deno.test("plugin add from an http URL fetches the manifest and the bundle", async () => {
  const source = await bundledEcho();
  const requested: string[] = [];
  const server = startHttpServer(async (request) => {
    const path = new URL(request.url).pathname;
    requested.push(path);
    try {
      return new Response(await Deno.readFile(join(source, path.replace("/p/", ""))));
    } catch {
      return new Response("no", { status: 404 });
    }
  });
  try {
    const dir = await Deno.makeTempDir({ prefix: "cw-cli-" });
    const added = await runCommand(pluginAddCommand, dir, [`${server.url}/p/echo.js`], {
      yes: true,
    });
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(requested, ["/p/clockwork-plugin.json", "/p/echo.js"]);
    assert.equal(
      await Deno.readTextFile(join(dir, ".clockwork/plugins/echo/echo.js")),
      await Deno.readTextFile(join(source, "echo.js")),
    );
    const missing = await runCommand(pluginAddCommand, dir, [`${server.url}/nothing/`], {
      yes: true,
    });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error\[CW7006\][\s\S]*HTTP 404/);
  } finally {
    await server.close();
  }
});

Deno.test("plugin add refuses a bundle with imports and a built-in's name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-cli-" });
  const src = await Deno.makeTempDir({ prefix: "cw-src-" });
  await Deno.copyFile(join(HOSTILE, "import-remote.js"), join(src, "plugin.js"));
  const manifest = { name: "sneaky", version: "1", kind: "runner", entry: "plugin.js", sdk: "1" };
  await Deno.writeTextFile(join(src, "clockwork-plugin.json"), JSON.stringify(manifest));
  const refused = await runCommand(pluginAddCommand, dir, [src], { yes: true });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /error\[CW7009\][\s\S]*uses "import"/);
  await Deno.writeTextFile(
    join(src, "clockwork-plugin.json"),
    JSON.stringify({ ...manifest, name: "state-file" }),
  );
  await Deno.writeTextFile(join(src, "plugin.js"), "self.onmessage = () => {};");
  const clash = await runCommand(pluginAddCommand, dir, [src], { yes: true });
  assert.equal(clash.code, 1);
  assert.match(clash.stderr, /error\[CW7010\][\s\S]*/);
  await Deno.writeTextFile(
    join(src, "clockwork-plugin.json"),
    JSON.stringify({ ...manifest, name: "Bad Name" }),
  );
  const invalid = await runCommand(pluginAddCommand, dir, [src], { yes: true });
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /error\[CW7001\][\s\S]*name/);
});

// ── the real CLI, once the lead has wired the plugin commands into the table ──

const wired = !(await runCli(["plugin", "list"])).stderr.includes("not implemented");

Deno.test({
  name: "clockwork plugin add/list/verify/remove through main.ts",
  ignore: !wired,
  async fn() {
    const source = await bundledEcho();
    const dir = await Deno.makeTempDir({ prefix: "cw-e2e-" });
    const refused = await runCli(["plugin", "add", source], { cwd: dir });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /pass --yes/);
    const added = await runCli(["plugin", "add", source, "--yes"], { cwd: dir });
    assert.equal(added.code, 0, added.stderr);
    const listed = await runCli(["--json", "plugin", "list"], { cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(JSON.parse(listed.stdout).plugins.some((p: { name: string }) => p.name === "echo"));
    assert.equal((await runCli(["plugin", "verify"], { cwd: dir })).code, 0);
    await Deno.writeTextFile(join(dir, ".clockwork/plugins/echo/echo.js"), "x");
    const bad = await runCli(["plugin", "verify"], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout + bad.stderr, /echo/);
    assert.equal((await runCli(["plugin", "remove", "echo"], { cwd: dir })).code, 0);
  },
});

// ── the local runner ────────────────────────────────────────────────────────

Deno.test("runner-local: observes files and directories, runs steps with a scrubbed env", async () => {
  const configDir = await Deno.makeTempDir({ prefix: "cw-runner-" });
  await Deno.writeTextFile(join(configDir, "a.txt"), "hello");
  await Deno.chmod(join(configDir, "a.txt"), 0o640);
  using host = new PluginHost({ configDir, builtins: BUILTIN_PLUGINS });
  const runner = host.runner("runner-local");
  const { observations } = await runner.observe({
    resources: [
      { address: "file.a", type: "file", attributes: { path: "a.txt" } },
      { address: "file.missing", type: "file", attributes: { path: "missing.txt" } },
      { address: "directory.root", type: "directory", attributes: { path: configDir } },
      { address: "file.is_dir", type: "file", attributes: { path: configDir } },
    ],
  });
  assert.deepEqual(observations["file.a"], {
    exists: true,
    attributes: {
      path: "a.txt",
      mode: "0640",
      kind: "file",
      size: 5,
      sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    },
  });
  assert.deepEqual(observations["file.missing"], {
    exists: false,
    attributes: { path: "missing.txt" },
  });
  assert.equal(observations["directory.root"].exists, true);
  assert.equal(observations["file.is_dir"].exists, false, "a directory is not a file");

  Deno.env.set("CW_RUNNER_LEAK", "must-not-leak");
  try {
    const ran = await runner.execute({
      step: {
        id: "s1",
        argv: ["sh", "-c", 'printf "%s|%s|" "$GREETING" "$CW_RUNNER_LEAK"; cat; pwd; exit 3'],
        env: { GREETING: "hi" },
        cwd: configDir,
        timeoutMs: 5_000,
        stdin: "in",
      },
    });
    assert.equal(ran.exitCode, 3);
    assert.equal(ran.stdout, `hi||in${await Deno.realPath(configDir)}\n`);
  } finally {
    Deno.env.delete("CW_RUNNER_LEAK");
  }
  const slow = await runner.execute({
    step: { id: "s2", argv: ["sh", "-c", "sleep 3"], env: {}, cwd: configDir, timeoutMs: 200 },
  });
  assert.equal(slow.exitCode, -1);
  assert.equal(slow.timedOut, true);
  assert.ok(slow.durationMs < 2_000, `took ${slow.durationMs} ms`);
  await expectPluginError(
    runner.execute({
      step: {
        id: "s3",
        argv: ["curl", "http://127.0.0.1/"],
        env: {},
        cwd: configDir,
        timeoutMs: 1000,
      },
    }),
    "denied",
    /run access to "curl"/,
    "runner-local",
  );
});

Deno.test("the embedded state-file and runner-local bundles match their sources", async () => {
  await assertBundlesMatchSources(["state-file", "runner-local"], BUILTIN_PLUGINS);
});

Deno.test("execute waits as long as the step's own timeout, not the default", async () => {
  const configDir = await Deno.makeTempDir({ prefix: "cw-runner-" });
  using host = new PluginHost({ configDir, builtins: BUILTIN_PLUGINS, requestTimeoutMs: 100 });
  const runner = host.runner("runner-local");
  const slowStep = (script: string) => ({
    step: { id: "s", argv: ["sh", "-c", script], env: {}, cwd: configDir, timeoutMs: 5_000 },
  });
  assert.equal((await runner.execute(slowStep("sleep 0.4; echo done"))).stdout, "done\n");
  // An explicit request timeout still wins.
  await expectPluginError(
    runner.execute(slowStep("sleep 0.4"), { timeoutMs: 100 }),
    "timeout",
    /did not answer "execute" within 100 ms/,
    "runner-local",
  );
});

Deno.test("state-file: a write killed mid-way leaves one whole document, never a torn one", async () => {
  const configDir = await Deno.makeTempDir({ prefix: "cw-state-" });
  using host = new PluginHost({ configDir, builtins: BUILTIN_PLUGINS });
  const state = host.state("state-file");
  const first = JSON.stringify({ serial: 1 });
  await state.write({ content: first });
  const big = JSON.stringify({ serial: 2, blob: "x".repeat(64 * 1024 * 1024) });
  await assert.rejects(
    state.write({ content: big }, { timeoutMs: 5 }),
    (e) => e instanceof PluginError && e.failure === "timeout",
  );
  // When the Worker is terminated is up to the scheduler: before the rename
  // the previous document survives, after it the new one does. Either is
  // whole; a mixture or a truncated file would be the bug.
  const after = (await state.read({})).content;
  assert.ok(after === first || after === big, `torn state of ${after?.length} characters`);
  await state.write({ content: JSON.stringify({ serial: 3 }) });
  const names = [...Deno.readDirSync(join(configDir, ".clockwork"))].map((e) => e.name).sort();
  assert.deepEqual(names, ["state.json", "state.json.backup"], "stale temp files are cleaned");
});

Deno.test("a request that reaches a Worker after it was stopped is never handled", async () => {
  const configDir = await Deno.makeTempDir({ prefix: "cw-state-" });
  using host = new PluginHost({ configDir, builtins: BUILTIN_PLUGINS });
  const state = host.state("state-file");
  await state.write({ content: JSON.stringify({ serial: 1 }) });
  // Cloning 64 MB into the Worker outlasts the 5 ms timeout, so the request
  // lands after terminate(); Deno still runs the synchronous start of its
  // handler, which for state-file sweeps temp files beside the state.
  const big = JSON.stringify({ serial: 2, blob: "x".repeat(64 * 1024 * 1024) });
  await assert.rejects(
    state.write({ content: big }, { timeoutMs: 5 }),
    (e) => e instanceof PluginError && e.failure === "timeout",
  );
  const successorsTemp = join(configDir, ".clockwork", "state.json.0successor.tmp");
  await Deno.writeTextFile(successorsTemp, "a write in progress");
  await new Promise((resolve) => setTimeout(resolve, 750));
  assert.equal(
    await Deno.readTextFile(successorsTemp),
    "a write in progress",
    "the stopped Worker swept a file it no longer owns",
  );
});

Deno.test("state-file: what a kill before the rename leaves behind is ignored and cleaned", async () => {
  const configDir = await Deno.makeTempDir({ prefix: "cw-state-" });
  using host = new PluginHost({ configDir, builtins: BUILTIN_PLUGINS });
  const state = host.state("state-file");
  const first = JSON.stringify({ serial: 1 });
  await state.write({ content: first });
  // The exact on-disk picture of a process killed while writing: a temp file
  // beside the state holding the first part of the next document.
  const torn = join(configDir, ".clockwork", "state.json.deadbeef.tmp");
  await Deno.writeTextFile(torn, '{"serial":2,"blob":"xxxx');
  assert.equal((await state.read({})).content, first);
  await state.write({ content: JSON.stringify({ serial: 3 }) });
  assert.equal((await state.read({})).content, JSON.stringify({ serial: 3 }));
  const names = [...Deno.readDirSync(join(configDir, ".clockwork"))].map((e) => e.name).sort();
  assert.deepEqual(names, ["state.json", "state.json.backup"], "the torn temp file is removed");
  assert.equal(await Deno.readTextFile(join(configDir, ".clockwork", "state.json.backup")), first);
});

Deno.test("launch returns once the Worker exists, and the launched plugin then answers", async () => {
  using host = new PluginHost({
    configDir: await Deno.makeTempDir({ prefix: "cw-launch-" }),
    builtins: BUILTIN_PLUGINS,
  });
  await host.launch("state-file");
  assert.equal(host.isRunning("state-file"), true, "the Worker was created by launch");
  assert.deepEqual(await host.state("state-file").read({}), { content: null });
  // An unknown plugin is not an error here; its first request reports it.
  await host.launch("nope");
  await expectPluginError(host.start("nope"), "not_installed", /not installed/, "nope");
});

Deno.test("plugins can be started ahead of their first request, in parallel", async () => {
  using host = new PluginHost({
    configDir: await Deno.makeTempDir({ prefix: "cw-start-" }),
    builtins: BUILTIN_PLUGINS,
  });
  assert.equal(host.isRunning("state-file"), false, "plugins start lazily");
  await Promise.all([host.start("state-file"), host.start("runner-local")]);
  assert.equal(host.isRunning("state-file"), true);
  assert.equal(host.isRunning("runner-local"), true);
  assert.deepEqual(await host.state("state-file").read({}), { content: null });
  host.stop("runner-local");
  assert.equal(host.isRunning("runner-local"), false);
  await expectPluginError(host.start("nope"), "not_installed", /not installed/, "nope");
});
