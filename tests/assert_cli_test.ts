/** `clockwork assert`: table, --json, --target and exit codes, on a real configuration. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertCommand, runApplyAssertions } from "../src/cli/commands/assert.ts";
import { bufferIo, createContext } from "../src/cli/mod.ts";
import { loadConfig } from "../src/config/mod.ts";
import { freePort } from "./support/free_port.ts";
import { startHttpServer } from "./support/http.ts";

async function runAssert(
  dir: string,
  options: { json?: boolean; targets?: string[] } = {},
) {
  const io = bufferIo();
  const ctx = createContext({
    command: assertCommand,
    globals: { json: options.json ?? false, noColor: true, vars: [], varFiles: [], noAi: true },
    io,
    cwd: dir,
    env: {},
    values: options.targets ? { target: options.targets } : {},
    positionals: [],
  });
  const code = await assertCommand.run(ctx);
  ctx.finish();
  return { code, out: io.out, err: io.err };
}

async function fixture(port: number, closedPort: number): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cw-assert-cli-" });
  await Deno.mkdir(join(dir, "site"));
  await Deno.writeTextFile(join(dir, "site/index.html"), "<h1>hello</h1>\n");
  await Deno.writeTextFile(
    join(dir, "main.cw"),
    `
resource "file" "page" {
  path    = "site/index.html"
  content = "<h1>hello</h1>\\n"

  assert "file_exists" {}
  assert "file_content" { pattern = "hel+o" }
}

check "web" {
  assert "http" {
    url           = "http://127.0.0.1:${port}/"
    body_contains = "served"
  }
  assert "port" { port = ${closedPort} }
}
`,
  );
  return dir;
}

Deno.test("assert: a table of every assertion, exit 3 when one fails, --target narrows", async () => {
  const server = startHttpServer(() => new Response("served by test"));
  const dir = await fixture(server.port, freePort());
  try {
    const all = await runAssert(dir);
    assert.equal(all.code, 3, all.err);
    const lines = all.out.split("\n");
    assert.match(lines[0]!, /^\s+ADDRESS\s+KIND\s+EXPECTED\s+ACTUAL\s+TIME$/);
    assert.match(all.out, /✓\s+file\.page\s+file_exists\s+exists\s+a file of 15 bytes/);
    assert.match(all.out, /✓\s+file\.page\s+file_content/);
    assert.match(
      all.out,
      /✓\s+check\.web\s+http\s+200, body contains "served"\s+200, body contains it/,
    );
    assert.match(
      all.out,
      /✗\s+check\.web\s+port\s+127\.0\.0\.1:\d+ accepts connections\s+connection refused/,
    );
    assert.match(all.out, /✗ check\.web port: 127\.0\.0\.1:\d+: connection refused/);
    assert.match(all.out, /3 passed, 1 failed\.\n$/);

    const onlyFile = await runAssert(dir, { targets: ["file.page"] });
    assert.equal(onlyFile.code, 0, onlyFile.out);
    assert.match(onlyFile.out, /2 passed, 0 failed/);

    const onlyCheck = await runAssert(dir, { targets: ["check.web"] });
    assert.equal(onlyCheck.code, 3);
    assert.match(onlyCheck.out, /1 passed, 1 failed/);

    const none = await runAssert(dir, { targets: ["container.nothing"] });
    assert.equal(none.code, 0);
    assert.match(none.err, /CW6001.*No assertions match --target container\.nothing/s);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("assert --json: the documented shape", async () => {
  const server = startHttpServer(() => new Response("served"));
  const dir = await fixture(server.port, freePort());
  try {
    const { code, out } = await runAssert(dir, { json: true });
    assert.equal(code, 3);
    const doc = JSON.parse(out);
    assert.equal(doc.format_version, "1");
    assert.deepEqual(doc.summary, { passed: 3, failed: 1 });
    assert.equal(doc.results.length, 4);
    for (const result of doc.results) {
      assert.deepEqual(Object.keys(result).sort(), [
        "actual",
        "address",
        "duration_ms",
        "expected",
        "kind",
        "message",
        "passed",
      ]);
    }
    const http = doc.results.find((r: { kind: string }) => r.kind === "http");
    assert.equal(http.address, "check.web");
    assert.equal(http.passed, true);
    assert.equal(typeof http.duration_ms, "number");
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("assert: a broken configuration exits 1 with its diagnostics", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-assert-cli-" });
  try {
    await Deno.writeTextFile(join(dir, "main.cw"), 'check "x" {\n  assert "http" {}\n}\n');
    const human = await runAssert(dir);
    assert.equal(human.code, 1);
    assert.match(human.err, /CW2005/);
    const json = await runAssert(dir, { json: true });
    assert.equal(json.code, 1);
    const doc = JSON.parse(json.out);
    assert.deepEqual(doc.results, []);
    assert.equal(doc.diagnostics[0].code, "CW2005");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runApplyAssertions runs only what was applied, plus checks", async () => {
  const server = startHttpServer(() => new Response("served"));
  const dir = await fixture(server.port, freePort());
  try {
    const { config } = loadConfig({ dir, vars: [], varFiles: [], env: {}, cwd: dir });
    assert.ok(config);
    const seen: string[] = [];
    const run = await runApplyAssertions(config, ["file.page"], {
      onResult: (r) => seen.push(r.kind),
      settleMs: 600,
    });
    const port = run.results.find((r) => r.kind === "port")!;
    assert.ok(port.duration_ms >= 400, `retried for a while: ${port.duration_ms} ms`);
    assert.deepEqual(run.summary, { passed: 3, failed: 1 });
    assert.deepEqual(seen.sort(), ["file_content", "file_exists", "http", "port"]);
    const noChecks = await runApplyAssertions(config, [], { includeChecks: false });
    assert.deepEqual(noChecks.summary, { passed: 0, failed: 0 });
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
