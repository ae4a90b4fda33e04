/** Resource arguments that guard execution: image references and sandbox grants. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "./mod.ts";

async function load(text: string) {
  const dir = await Deno.makeTempDir({ prefix: "cw-config-schemas-" });
  Deno.writeTextFileSync(join(dir, "main.cw"), text);
  const result = loadConfig({ dir });
  return { dir, result, errors: result.diagnostics.filter((d) => d.severity === "error") };
}

Deno.test("container.image must be an image reference, never an option", async () => {
  for (const image of ["--privileged", "-x", "nginx latest", "nginx;id", "UPPER/case"]) {
    const { errors } = await load(
      `resource "container" "c" {\n  image = ${JSON.stringify(image)}\n}\n`,
    );
    assert.deepEqual(errors.map((d) => d.code), ["CW2006"], image);
  }
  for (
    const image of [
      "nginx",
      "nginx:1.27-alpine",
      "localhost:5000/a/b:tag",
      "docker.io/library/redis:7",
    ]
  ) {
    const { errors } = await load(
      `resource "container" "c" {\n  image = ${JSON.stringify(image)}\n}\n`,
    );
    assert.deepEqual(errors, [], image);
  }
});

Deno.test("command and task take writes (resolved against path.module), network and env", async () => {
  const { dir, result, errors } = await load(`
resource "command" "c" {
  run     = "true"
  writes  = ["out", "/abs/path"]
  network = true
}
resource "task" "t" {
  script  = "true"
  writes  = ["t-out"]
  network = false
  env     = { GREETING = "hi" }
}
`);
  assert.deepEqual(errors, []);
  const byAddress = new Map(result.config!.resources.map((r) => [r.address, r.attributes]));
  assert.deepEqual(byAddress.get("command.c")!.writes, [join(dir, "out"), "/abs/path"]);
  assert.equal(byAddress.get("command.c")!.network, true);
  assert.deepEqual(byAddress.get("task.t")!.writes, [join(dir, "t-out")]);
  assert.deepEqual({ ...byAddress.get("task.t")!.env as object }, { GREETING: "hi" });
});

/** The errors of a `check "c" {}` block holding `body`, and its assertions' arguments. */
async function loadCheck(body: string) {
  const { dir, result, errors } = await load(`check "c" {\n${body}\n}\n`);
  const asserts = result.config?.checks[0]?.asserts ?? [];
  return { dir, errors, args: asserts.map((a) => ({ ...a.args })) };
}

Deno.test("every argument docs/ASSERTIONS.md documents is accepted, in each documented form", async () => {
  const { dir, errors, args } = await loadCheck(`
  assert "http" {
    url           = "http://127.0.0.1:8080/"
    expect_status = [404, 410]
    body_contains = "gone"
    timeout       = 5
  }
  assert "http" {
    url           = "http://127.0.0.1:8080/"
    expect_status = tolist([200, 204])
    timeout       = "500ms"
  }
  assert "http" {
    url           = "http://127.0.0.1:8080/"
    expect_status = 301
    timeout       = "1m"
  }
  assert "port" {
    port    = 8080
    host    = "localhost"
    timeout = "2s"
  }
  assert "port" {
    port    = 8080
    timeout = 0.5
  }
  assert "response_time" {
    url     = "http://127.0.0.1:8080/"
    max_ms  = 200
    timeout = "3s"
  }
  assert "container_running" { container = "container.web" }
  assert "container_healthy" { container = "cw-web" }
  assert "log_contains" {
    container = "cw-web"
    pattern   = "^ready$"
    lines     = 20
  }
  assert "file_exists" { path = "site" }
  assert "file_permissions" {
    path  = "/etc/passwd"
    mode  = "0o644"
    owner = "root"
    group = 0
  }
  assert "file_permissions" {
    path = "/etc/passwd"
    mode = "644"
  }
  assert "file_permissions" {
    path = "/etc/passwd"
    mode = 644
  }
  assert "file_permissions" {
    path  = "/tmp"
    mode  = "1777"
    owner = 0
  }
  assert "file_size" {
    path      = "/etc/passwd"
    min_bytes = 1
    max_bytes = 100000
  }
  assert "file_content" {
    path   = "/etc/passwd"
    sha256 = "${"AB".repeat(32)}"
  }
  assert "memory_usage" {
    process = "deno"
    max_mb  = 512
  }
  assert "cpu_usage" {
    process     = "deno"
    max_percent = 200
    sample      = "200ms"
  }
  assert "cpu_usage" {
    container   = "cw-web"
    max_percent = 50
    sample      = 2
  }
  assert "disk_usage" {
    path        = "/var/lib"
    max_percent = 90
    max_mb      = 500
  }
  assert "process_running" {
    name      = "deno"
    min_count = 2
  }
  assert "process_not_running" { name = "nginx" }
`);
  assert.deepEqual(errors, []);
  assert.equal(args.length, 22);
  assert.deepEqual(args[0], {
    url: "http://127.0.0.1:8080/",
    expect_status: [404, 410],
    body_contains: "gone",
    timeout: 5,
  });
  assert.deepEqual(args[1]!.expect_status, [200, 204]);
  assert.deepEqual(args[3], { port: 8080, host: "localhost", timeout: "2s" });
  assert.deepEqual(args[4], { port: 8080, host: "127.0.0.1", timeout: 0.5 });
  assert.equal(args[5]!.timeout, "3s");
  assert.equal(args[9]!.path, join(dir, "site"));
  assert.deepEqual(args[10]!.mode, "0o644");
  assert.equal(args[10]!.group, "0");
  assert.equal(args[12]!.mode, "644");
  assert.equal(args[17]!.sample, "200ms");
  assert.equal(args[18]!.sample, 2);
});

Deno.test("documented defaults are filled in: port timeout 5s, http timeout 10s, expect_status 200", async () => {
  const { errors, args } = await loadCheck(`
  assert "http" { url = "http://127.0.0.1:8080/" }
  assert "port" { port = 8080 }
  assert "response_time" {
    url    = "http://127.0.0.1:8080/"
    max_ms = 200
  }
  assert "cpu_usage" {
    process     = "deno"
    max_percent = 5
  }
`);
  assert.deepEqual(errors, []);
  assert.deepEqual(args[0], { url: "http://127.0.0.1:8080/", expect_status: 200, timeout: "10s" });
  assert.deepEqual(args[1], { port: 8080, host: "127.0.0.1", timeout: "5s" });
  // Its default depends on max_ms, so the assertion computes it.
  assert.equal(args[2]!.timeout, undefined);
  assert.equal(args[3]!.sample, "1s");
});

Deno.test("assertion arguments outside what the docs allow are diagnostics at the value", async () => {
  const cases: [kind: string, args: string, bad: string, detail: RegExp][] = [
    ["http", 'url = "http://x/"', "expect_status = []", /at least one status/],
    ["http", 'url = "http://x/"', "expect_status = [200, 999]", /100 to 599/],
    ["http", 'url = "http://x/"', "expect_status = 20.5", /whole number/],
    ["http", 'url = "http://x/"', "expect_status = true", /status/],
    ["http", 'url = "http://x/"', "timeout = 0", /duration/],
    ["http", 'url = "http://x/"', 'timeout = "soon"', /duration/],
    ["http", 'url = "http://x/"', 'timeout = "0s"', /longer than zero/],
    ["port", "port = 80", "timeout = -1", /duration/],
    ["response_time", 'url = "http://x/"\n  max_ms = 5', 'timeout = "x"', /duration/],
    ["cpu_usage", 'process = "p"\n  max_percent = 5', 'sample = "fast"', /duration/],
    ["cpu_usage", 'process = "p"', "max_percent = -1", /negative/],
    ["file_permissions", 'path = "/x"', 'mode = "0o648"', /octal mode/],
    ["file_permissions", 'path = "/x"', 'mode = "64"', /octal mode/],
    ["file_permissions", 'path = "/x"', 'mode = "0o0o644"', /octal mode/],
    ["file_content", 'path = "/x"', 'sha256 = "abc"', /64 hex digits/],
  ];
  for (const [kind, args, bad, detail] of cases) {
    const text = `check "c" {\nassert "${kind}" {\n  ${args}\n  ${bad}\n}\n}\n`;
    const { result, errors } = await load(text);
    assert.deepEqual(errors.map((d) => d.code), ["CW2006"], bad);
    assert.match(errors[0]!.detail ?? "", detail, bad);
    const subject = errors[0]!.subject!;
    assert.equal(text.slice(subject.start, subject.end), bad.split(" = ")[1], bad);
    assert.deepEqual(result.config?.checks[0]?.asserts, [], bad);
  }
});

Deno.test("container command and healthcheck take a string or the structured form, as documented", async () => {
  const container = (body: string) => `resource "container" "c" {\n  image = "busybox"\n${body}}\n`;
  for (
    const body of [
      '  command = "sleep 60"\n',
      '  command = ["sh", "-c", "sleep 60"]\n',
      '  healthcheck = "true"\n',
      '  healthcheck = { test = ["CMD", "true"], interval = "5s" }\n',
    ]
  ) {
    const { errors, result } = await load(container(body));
    assert.deepEqual(errors, [], body);
    const attributes = result.config!.resources[0]!.attributes;
    assert.ok(attributes.command !== undefined || attributes.healthcheck !== undefined, body);
  }
  for (const body of ['  command = ""\n', "  command = 5\n", "  healthcheck = true\n"]) {
    const { errors } = await load(container(body));
    assert.deepEqual(errors.map((d) => d.code), ["CW2006"], body);
  }
});
