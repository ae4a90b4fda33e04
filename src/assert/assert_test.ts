import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type Assertion, loadConfig } from "../config/mod.ts";
import {
  type AssertionResult,
  type ContainerProbe,
  runAssertion,
  runAssertions,
  summarize,
  type SystemAccess,
} from "./mod.ts";
import { LOCAL_SYSTEM } from "./_system.ts";
import { isContainerAddress } from "./_container.ts";
import { LOCAL_FILES } from "./_files.ts";

const decoder = new TextDecoder();

function make(kind: Assertion["kind"], args: Record<string, unknown>, baseDir = "/"): Assertion {
  return {
    kind,
    owner: "check.test",
    ownerType: null,
    args,
    baseDir,
    range: { filename: "main.cw", start: 0, end: 0 },
  };
}

async function check(kind: Assertion["kind"], args: Record<string, unknown>, baseDir = "/") {
  return await runAssertion(make(kind, args, baseDir));
}

function passes(result: AssertionResult) {
  assert.equal(result.passed, true, `expected a pass: ${JSON.stringify(result)}`);
}

function fails(result: AssertionResult, actual?: RegExp) {
  assert.equal(result.passed, false, `expected a failure: ${JSON.stringify(result)}`);
  if (actual) assert.match(result.actual, actual);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

async function withServer(
  handler: (request: Request) => Response | Promise<Response>,
  fn: (url: string) => Promise<void>,
) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

function siteHandler(request: Request): Response | Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path === "/") return new Response("<h1>hello world</h1>");
  if (path === "/error") return new Response("down", { status: 503 });
  if (path === "/moved") return new Response(null, { status: 301, headers: { location: "/" } });
  if (path === "/slow") return sleep(400).then(() => new Response("late"));
  return new Response("no such page", { status: 404 });
}

Deno.test("http: expected statuses pass, 4xx and 5xx included, and mismatches fail", async () => {
  await withServer(siteHandler, async (url) => {
    const ok = await check("http", { url: `${url}/`, body_contains: "hello" });
    passes(ok);
    assert.equal(ok.expected, '200, body contains "hello"');
    passes(await check("http", { url: `${url}/`, expect_status: 200 }));
    passes(await check("http", { url: `${url}/nope`, expect_status: 404 }));
    passes(await check("http", { url: `${url}/error`, expect_status: 503 }));
    passes(await check("http", { url: `${url}/error`, expect_status: [200, 503] }));
    passes(await check("http", { url: `${url}/moved`, expect_status: 301 }));
    passes(await check("http", { url: `${url}/moved`, body_contains: "hello" }));

    const wrong = await check("http", { url: `${url}/error` });
    fails(wrong, /^503$/);
    assert.equal(wrong.expected, "200");
    assert.match(wrong.message, /answered 503, expected 200/);
    fails(await check("http", { url: `${url}/`, body_contains: "goodbye" }), /does not contain/);
    fails(
      await check("http", { url: `${url}/slow`, timeout: "100ms" }),
      /no response within 100 ms/,
    );
  });
  fails(await check("http", { url: `http://127.0.0.1:${freePort()}/` }), /connection refused/);
});

Deno.test("response_time: fast answers pass, slow ones fail", async () => {
  await withServer(siteHandler, async (url) => {
    const fast = await check("response_time", { url: `${url}/`, max_ms: 2000 });
    passes(fast);
    assert.match(fast.actual, /^\d+ ms$/);
    const slow = await check("response_time", { url: `${url}/slow`, max_ms: 100 });
    fails(slow, /^\d+ ms$/);
    assert.ok(Number(slow.actual.split(" ")[0]) >= 300);
  });
  fails(await check("response_time", { url: `http://127.0.0.1:${freePort()}/`, max_ms: 100 }));
});

Deno.test("port: a listening port passes, a closed one fails", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    passes(await check("port", { port: listener.addr.port }));
    passes(await check("port", { port: String(listener.addr.port), host: "127.0.0.1" }));
  } finally {
    listener.close();
  }
  fails(await check("port", { port: freePort() }), /connection refused/);
});

Deno.test("file kinds: exists, permissions, size, content", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-assert-" });
  try {
    const path = join(dir, "index.html");
    await Deno.writeTextFile(path, "<h1>hello</h1>\n");
    await Deno.chmod(path, 0o640);
    const digest = createHash("sha256").update("<h1>hello</h1>\n").digest("hex");

    passes(await check("file_exists", { path }));
    passes(await check("file_exists", { path: "index.html" }, dir)); // relative to baseDir
    fails(await check("file_exists", { path: join(dir, "gone") }), /^missing$/);

    const passwd = await Deno.readTextFile("/etc/passwd");
    const ownerName = passwd.split("\n").find((l) => l.split(":")[2] === String(Deno.uid()))!
      .split(":")[0]!;
    const mode = await check("file_permissions", { path, mode: "0640", owner: ownerName });
    passes(mode);
    assert.equal(mode.actual, `mode 0640, owner ${ownerName}`);
    passes(await check("file_permissions", { path, mode: 640, owner: String(Deno.uid()) }));
    passes(await check("file_permissions", { path, group: String(Deno.gid()) }));
    const wrongMode = await check("file_permissions", { path, mode: "0644" });
    fails(wrongMode, /^mode 0640$/);
    assert.match(wrongMode.message, /mode is 0640, not 0644/);
    const other = Deno.uid() === 0 ? "nobody" : "root";
    fails(
      await check("file_permissions", { path, owner: other }),
      new RegExp(`owner ${ownerName}`),
    );
    fails(await check("file_permissions", { path: join(dir, "gone"), mode: "0600" }), /missing/);

    passes(await check("file_size", { path, min_bytes: 10, max_bytes: 100 }));
    fails(await check("file_size", { path, max_bytes: 5 }), /^15 bytes$/);
    fails(await check("file_size", { path, min_bytes: 1000 }));

    passes(await check("file_content", { path, pattern: "h[0-9]>hel+o" }));
    fails(await check("file_content", { path, pattern: "^goodbye" }), /no match/);
    passes(await check("file_content", { path, sha256: digest.toUpperCase() }));
    fails(await check("file_content", { path, sha256: "0".repeat(64) }), new RegExp(digest));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("disk_usage: filesystem fullness and the size of a path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-assert-" });
  try {
    await Deno.writeFile(join(dir, "blob"), new Uint8Array(3 * 1024 * 1024).fill(7));
    await Deno.mkdir(join(dir, "sub"));
    await Deno.writeFile(join(dir, "sub/more"), new Uint8Array(1024 * 1024).fill(1));
    const ok = await check("disk_usage", { path: dir, max_percent: 100, max_mb: 10 });
    passes(ok);
    assert.match(ok.actual, /^filesystem [\d.]+% full, path [\d.]+ MB$/);
    assert.ok(parseFloat(ok.actual.split("path ")[1]!) >= 4, ok.actual);
    const big = await check("disk_usage", { path: dir, max_mb: 2 });
    fails(big, /^path [\d.]+ MB$/);
    assert.match(big.message, /over 2 MB/);
    passes(await check("disk_usage", { path: join(dir, "sub"), max_mb: 2 }));
    fails(await check("disk_usage", { path: dir, max_percent: 0 }), /filesystem/);
    fails(await check("disk_usage", { path: join(dir, "gone"), max_percent: 100 }), /missing/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A copy of a system binary under a unique name, so process lookups see only ours. */
async function uniqueProgram(dir: string, source: string, prefix: string): Promise<string> {
  const name = `${prefix}${Math.floor(Math.random() * 1e6)}`;
  await Deno.copyFile(source, join(dir, name));
  await Deno.chmod(join(dir, name), 0o755);
  return name;
}

Deno.test("process kinds: running, not running, memory and cpu of real processes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-assert-" });
  const children: Deno.ChildProcess[] = [];
  try {
    const sleeper = await uniqueProgram(dir, "/bin/sleep", "cwsleep");
    const busy = await uniqueProgram(dir, "/bin/sh", "cwbusy");
    for (let i = 0; i < 2; i++) {
      children.push(new Deno.Command(join(dir, sleeper), { args: ["30"] }).spawn());
    }
    children.push(
      new Deno.Command(join(dir, busy), { args: ["-c", "while :; do :; done"] }).spawn(),
    );
    await sleep(100);

    const running = await check("process_running", { name: sleeper, min_count: 2 });
    passes(running);
    assert.equal(running.actual, "2 running");
    fails(await check("process_running", { name: sleeper, min_count: 3 }), /^2 running$/);
    fails(await check("process_running", { name: `${sleeper}x` }), /^0 running$/);
    passes(await check("process_not_running", { name: `${sleeper}x` }));
    fails(await check("process_not_running", { name: sleeper }), /^2 running$/);

    const memory = await check("memory_usage", { process: sleeper, max_mb: 200 });
    passes(memory);
    assert.match(memory.actual, /^[\d.]+ MB$/);
    assert.ok(parseFloat(memory.actual) > 0);
    fails(await check("memory_usage", { process: sleeper, max_mb: 0.01 }));
    fails(await check("memory_usage", { process: `${sleeper}x`, max_mb: 10 }), /not running/);

    // Thresholds leave room for a loaded machine, where the busy loop gets less than a core.
    passes(await check("cpu_usage", { process: sleeper, max_percent: 5, sample: "300ms" }));
    const hot = await check("cpu_usage", { process: busy, max_percent: 8, sample: "500ms" });
    fails(hot, /^[\d.]+%$/);
    assert.match(hot.message, /more than 8%/);
  } finally {
    for (const child of children) {
      child.kill("SIGKILL");
      await child.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("container kinds without a runtime or a target fail with a reason", async () => {
  const noProbe = await runAssertion({
    ...make("container_running", {}),
    owner: "container.web",
    ownerType: "container",
  });
  fails(noProbe);
  assert.match(noProbe.message, /no container runtime/);
  assert.equal(noProbe.expected, "running");
  const noTarget = await check("log_contains", { pattern: "x" });
  fails(noTarget, /invalid arguments/);
  assert.match(noTarget.message, /needs a "container" argument/);
  fails(await check("memory_usage", { max_mb: 1 }), /invalid arguments/);
});

Deno.test("invalid arguments fail the assertion, not the run", async () => {
  const results = await runAssertions([
    make("http", {}),
    make("file_content", { path: "/etc/hostname" }),
    make("file_content", { path: "/etc/hostname", pattern: "(" }),
    make("file_size", { path: "/etc/hostname" }),
    make("disk_usage", { path: "/" }),
    make("port", { port: "eighty" }),
  ]);
  for (const result of results) {
    fails(result, /invalid arguments/);
    assert.match(result.message, /^invalid assertion: /);
  }
  assert.match(results[0]!.message, /"url" is required/);
});

Deno.test("runAssertions bounds concurrency and keeps the order", async () => {
  let inFlight = 0;
  let peak = 0;
  await withServer(async (request) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await sleep(50);
    inFlight--;
    return new Response(new URL(request.url).pathname, {
      status: new URL(request.url).pathname === "/3" ? 500 : 200,
    });
  }, async (url) => {
    const assertions = Array.from({ length: 8 }, (_, i) => make("http", { url: `${url}/${i}` }));
    const seen: string[] = [];
    const results = await runAssertions(assertions, {
      concurrency: 3,
      onResult: (r) => seen.push(r.message),
    });
    assert.equal(peak, 3);
    assert.equal(seen.length, 8);
    assert.deepEqual(results.map((r) => r.passed), [
      true,
      true,
      true,
      false,
      true,
      true,
      true,
      true,
    ]);
    assert.ok(results.every((r, i) => r.message.includes(`/${i}`)));
    assert.deepEqual(summarize(results), { passed: 7, failed: 1 });
    assert.ok(results.every((r) => r.address === "check.test" && r.duration_ms >= 0));
  });
  void decoder;
});

Deno.test("retryFailedForMs re-runs a failing assertion until it passes or time is up", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-assert-" });
  try {
    const path = join(dir, "late");
    setTimeout(() => Deno.writeTextFileSync(path, "here"), 300);
    const [late] = await runAssertions([make("file_exists", { path })], {
      retryFailedForMs: 3000,
      retryIntervalMs: 50,
    });
    passes(late!);
    assert.ok(late!.duration_ms >= 250, String(late!.duration_ms));
    const started = performance.now();
    const [never] = await runAssertions([make("file_exists", { path: join(dir, "never") })], {
      retryFailedForMs: 300,
      retryIntervalMs: 50,
    });
    fails(never!, /missing/);
    assert.ok(performance.now() - started < 1500);
    const [once] = await runAssertions([make("file_exists", { path: join(dir, "never") })]);
    fails(once!);
    assert.ok(once!.duration_ms < 250);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("retryKinds limits retries to the kinds listed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-assert-" });
  try {
    const started = performance.now();
    const [missing] = await runAssertions([make("file_exists", { path: join(dir, "never") })], {
      retryFailedForMs: 3000,
      retryIntervalMs: 50,
      retryKinds: new Set(["http"]),
    });
    fails(missing!, /missing/);
    assert.ok(performance.now() - started < 1000, "a kind not listed is not retried");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("container kinds on a host fail at once, unretried, naming it", async () => {
  const host = { name: "web1", files: LOCAL_FILES, system: LOCAL_SYSTEM };
  const probe: ContainerProbe = {
    inspect: () =>
      Promise.resolve({
        exists: true,
        running: true,
        status: "running",
        health: null,
        name: "web",
      }),
    stats: () => Promise.resolve({ memoryBytes: 1, cpuPercent: 0 }),
    logs: () => Promise.resolve("ready"),
  };
  const started = performance.now();
  const results = await runAssertions([
    make("container_running", { container: "web" }),
    make("log_contains", { container: "web", pattern: "ready" }),
    make("memory_usage", { container: "web", max_mb: 100 }),
    make("cpu_usage", { max_percent: 100 }, "/"),
  ], { retryFailedForMs: 3000, retryIntervalMs: 50, hostOf: () => host, probe });
  // The probe answers for this machine, so a pass would mean it looked here.
  for (const result of results) {
    fails(result, /error|invalid arguments/);
    assert.match(result.message, /containers cannot be checked on a host.*host "web1"/);
  }
  assert.ok(performance.now() - started < 1000, "waiting cannot make it checkable");
  // Without a host, the same probe makes them pass: the host is what refused them.
  const here = await runAssertions([make("container_running", { container: "web" })], { probe });
  passes(here[0]!);
});

Deno.test("process and disk kinds on a host read the host's system access", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-assert-" });
  try {
    let asked = 0;
    const counting: SystemAccess = {
      processes: (pids) => (asked++, LOCAL_SYSTEM.processes(pids)),
      residentBytes: (pids) => (asked++, LOCAL_SYSTEM.residentBytes(pids)),
      filesystem: (path) => (asked++, LOCAL_SYSTEM.filesystem(path)),
      diskBytes: (path) => (asked++, LOCAL_SYSTEM.diskBytes(path)),
    };
    const host = { name: "web1", files: LOCAL_FILES, system: counting };
    const results = await runAssertions([
      make("process_running", { name: "deno" }),
      make("memory_usage", { process: "deno", max_mb: 100_000 }),
      make("disk_usage", { path: dir, max_percent: 100, max_mb: 10 }),
    ], { hostOf: () => host });
    for (const result of results) passes(result);
    assert.ok(asked >= 4, `the host's access was asked ${asked} times`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a container argument is an address when it reads as one, else a name", () => {
  for (
    const address of [
      "container.web",
      "container.web[0]",
      'module.site["blue"].container.web',
      'module.m["a.b"].module.n[1].container.db["x"]',
    ]
  ) assert.equal(isContainerAddress(address), true, address);
  for (const name of ["web", "my.web", "module.m.file.x", "container", 'container["x"].web']) {
    assert.equal(isContainerAddress(name), false, name);
  }
});

/**
 * Writes `body` into a `check "docs" {}` block, loads it as `clockwork assert`
 * does (every argument through the configuration's schema) and runs the result.
 */
async function configured(dir: string, body: string): Promise<AssertionResult[]> {
  await Deno.writeTextFile(join(dir, "main.cw"), `check "docs" {\n${body}\n}\n`);
  const { config, diagnostics } = loadConfig({ dir });
  const errors = diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(errors.map((d) => `${d.summary}: ${d.detail}`), [], body);
  return await runAssertions(config!.checks[0]!.asserts);
}

async function withConfigDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "cw-assert-config-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("configured http: a list of statuses and a timeout in seconds", async () => {
  await withConfigDir((dir) =>
    withServer(siteHandler, async (url) => {
      const [gone, ok, slow, patient] = await configured(
        dir,
        `
  assert "http" {
    url           = "${url}/nope"
    expect_status = [404, 410]
  }
  assert "http" {
    url           = "${url}/"
    expect_status = tolist([404, 410])
  }
  assert "http" {
    url     = "${url}/slow"
    timeout = 0.1
  }
  assert "http" {
    url     = "${url}/slow"
    timeout = 3
  }
`,
      );
      passes(gone!);
      assert.equal(gone!.expected, "one of 404, 410");
      fails(ok!, /^200$/);
      assert.match(ok!.message, /answered 200, expected one of 404, 410/);
      fails(slow!, /^no response within 100 ms$/);
      passes(patient!);
    })
  );
});

Deno.test("configured port and response_time take a timeout", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const late = (request: Request) =>
    new URL(request.url).pathname === "/late"
      ? sleep(1500).then(() => new Response("late"))
      : siteHandler(request);
  try {
    await withConfigDir((dir) =>
      withServer(late, async (url) => {
        const [open, closed, cutShort, waited] = await configured(
          dir,
          `
  assert "port" {
    port    = ${listener.addr.port}
    timeout = "2s"
  }
  assert "port" {
    port    = ${freePort()}
    timeout = 1
  }
  assert "response_time" {
    url     = "${url}/late"
    max_ms  = 5000
    timeout = "300ms"
  }
  assert "response_time" {
    url     = "${url}/"
    max_ms  = 2000
    timeout = "3s"
  }
`,
        );
        passes(open!);
        assert.equal(open!.expected, `127.0.0.1:${listener.addr.port} accepts connections`);
        fails(closed!, /^connection refused$/);
        // Without its timeout the answer would come after 1.5 s, well within max_ms.
        fails(cutShort!, /^no response within 300 ms$/);
        assert.ok(cutShort!.duration_ms < 1200, String(cutShort!.duration_ms));
        passes(waited!);
      })
    );
  } finally {
    listener.close();
  }
});

Deno.test("configured cpu_usage: sample sets how long, max_percent may pass 100", async () => {
  await withConfigDir(async (dir) => {
    const sleeper = await uniqueProgram(dir, "/bin/sleep", "cwsample");
    const child = new Deno.Command(join(dir, sleeper), { args: ["30"] }).spawn();
    try {
      await sleep(100);
      const [quick] = await configured(
        dir,
        `
  assert "cpu_usage" {
    process     = "${sleeper}"
    max_percent = 200
    sample      = "200ms"
  }
`,
      );
      passes(quick!);
      assert.equal(quick!.expected, "at most 200%");
      // The default sample is 1 s.
      assert.ok(quick!.duration_ms >= 190 && quick!.duration_ms < 900, String(quick!.duration_ms));
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
  });
});

Deno.test("configured file_permissions: every documented way to write a mode", async () => {
  await withConfigDir(async (dir) => {
    const path = join(dir, "page.html");
    await Deno.writeTextFile(path, "hello\n");
    await Deno.chmod(path, 0o644);
    await Deno.mkdir(join(dir, "drop"));
    await Deno.chmod(join(dir, "drop"), 0o1777);
    const digest = createHash("sha256").update("hello\n").digest("hex");
    const results = await configured(
      dir,
      `
  assert "file_permissions" {
    path = "page.html"
    mode = "0o644"
  }
  assert "file_permissions" {
    path = "page.html"
    mode = "644"
  }
  assert "file_permissions" {
    path = "page.html"
    mode = 644
  }
  assert "file_permissions" {
    path = "page.html"
    mode = "0644"
  }
  assert "file_permissions" {
    path = "drop"
    mode = "1777"
  }
  assert "file_permissions" {
    path  = "page.html"
    mode  = "0o600"
    owner = ${Deno.uid()}
  }
  assert "file_content" {
    path   = "page.html"
    sha256 = "${digest.toUpperCase()}"
  }
`,
    );
    passes(results.pop()!); // the sha256, written in capitals
    const mismatch = results.pop()!;
    fails(mismatch, /^mode 0644, owner \S+$/);
    assert.equal(mismatch.expected, `mode 0600, owner ${Deno.uid()}`);
    for (const result of results) passes(result);
    assert.deepEqual(results.map((r) => r.expected), [
      "mode 0644",
      "mode 0644",
      "mode 0644",
      "mode 0644",
      "mode 1777",
    ]);
  });
});

Deno.test("file_content patterns are RE2, as in Terraform's regex(), with ^ and $ at line ends", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-assert-" });
  try {
    const path = join(dir, "version.txt");
    await Deno.writeTextFile(path, "nginx\nversion 127\n");
    const content = (pattern: string) => check("file_content", { path, pattern });
    passes(await content("version [[:digit:]]+"));
    passes(await content("\\Qversion\\E \\pN+"));
    passes(await content("(?i)^VERSION \\d+$"));
    fails(await content("\\Aversion"), /no match/);
    const shown = await content("^release [[:digit:]]+");
    assert.equal(shown.expected, "matches /^release [[:digit:]]+/");
    assert.match(shown.message, /does not match \/\^release \[\[:digit:\]\]\+\//);
    const lookahead = await content("version(?= )");
    fails(lookahead, /invalid arguments/);
    assert.match(
      lookahead.message,
      /"pattern" is not a valid regular expression: invalid or unsupported Perl syntax in \(\?=/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
