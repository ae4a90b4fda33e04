/** Proves each system part the end-to-end tests rely on works for real on this machine. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { hasSystemPart, systemTest, TEST_IMAGE } from "./support/system.ts";
import { startSshd } from "./support/sshd.ts";
import { startPostgres } from "./support/postgres.ts";
import { startHttpServer } from "./support/http.ts";
import { freePort } from "./support/free_port.ts";
import { makeTempDir, runCli, writeFiles } from "./support/cli.ts";

const decoder = new TextDecoder();

async function run(program: string, args: string[]) {
  const result = await new Deno.Command(program, { args, stdin: "null" }).output();
  return {
    code: result.code,
    stdout: decoder.decode(result.stdout),
    stderr: decoder.decode(result.stderr),
  };
}

Deno.test("writeFiles creates nested files in a fresh temp dir", async () => {
  const dir = await makeTempDir();
  try {
    await writeFiles(dir, { "main.cw": "a", "modules/web/main.cw": "b" });
    assert.equal(await Deno.readTextFile(join(dir, "main.cw")), "a");
    assert.equal(await Deno.readTextFile(join(dir, "modules/web/main.cw")), "b");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startHttpServer answers on 127.0.0.1 and closes", async () => {
  const server = startHttpServer((request) => new Response(`got ${new URL(request.url).pathname}`));
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${server.url}/health`);
    assert.equal(await response.text(), "got /health");
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(server.url));
});

systemTest("podman runs the local busybox image", ["podman", "busybox-image"], async () => {
  const result = await run("podman", [
    "run",
    "--rm",
    "--network",
    "none",
    TEST_IMAGE,
    "/bin/sh",
    "-c",
    "echo ok",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "ok\n");
});

systemTest("podman publishes busybox httpd to the host", ["podman", "busybox-image"], async () => {
  const port = freePort();
  const name = `clockwork-infra-${crypto.randomUUID().slice(0, 8)}`;
  const started = await run("podman", [
    "run",
    "-d",
    "--name",
    name,
    "-p",
    `127.0.0.1:${port}:8080`,
    TEST_IMAGE,
    "/bin/sh",
    "-c",
    "mkdir -p /www && echo served-by-busybox > /www/index.html && exec httpd -f -p 8080 -h /www",
  ]);
  try {
    assert.equal(started.code, 0, started.stderr);
    let body = "";
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        body = await response.text();
        if (response.ok) break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.equal(body, "served-by-busybox\n");
  } finally {
    await run("podman", ["rm", "-f", "-t", "0", name]);
  }
});

systemTest("bwrap runs a command in a read-only view of /", ["bwrap"], async () => {
  const base = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];
  const ok = await run("bwrap", [...base, "true"]);
  assert.equal(ok.code, 0, ok.stderr);
  const probe = `/tmp/clockwork-bwrap-${crypto.randomUUID()}`;
  const write = await run("bwrap", [...base, "sh", "-c", `echo x > ${probe}`]);
  assert.notEqual(write.code, 0, "writing inside the read-only bind must fail");
  assert.match(write.stderr, /Read-only file system/);
});

systemTest("sshd helper accepts a command over real ssh", ["sshd"], async () => {
  const sshd = await startSshd();
  try {
    const result = await run("ssh", [...sshd.sshArgs, `${sshd.user}@${sshd.host}`, "echo hi"]);
    assert.equal(result.code, 0, `${result.stderr}\n${sshd.log()}`);
    assert.equal(result.stdout, "hi\n");
    const wrongKey = await run("ssh", [
      ...sshd.sshArgs,
      "-o",
      "PubkeyAuthentication=no",
      `${sshd.user}@${sshd.host}`,
      "echo hi",
    ]);
    assert.notEqual(wrongKey.code, 0, "a client without the key must be refused");
  } finally {
    await sshd.stop();
  }
});

systemTest("postgres helper answers SELECT 1", ["postgres"], async () => {
  const postgres = await startPostgres();
  try {
    const result = await run("psql", [postgres.url, "-tAc", "SELECT 1"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "1\n");
  } finally {
    await postgres.stop();
  }
});

Deno.test("system part detection is cached and fast", () => {
  const started = performance.now();
  for (let i = 0; i < 1000; i++) hasSystemPart("bwrap");
  assert.ok(performance.now() - started < 50);
});

Deno.test("runCli runs main.ts in a fresh directory holding the given files", async () => {
  const result = await runCli(["version"], { files: { "nested/dir/main.cw": "# empty\n" } });
  try {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /clockwork/i);
    assert.ok(result.dir.includes("clockwork-test-"));
    assert.equal(await Deno.readTextFile(join(result.dir, "nested/dir/main.cw")), "# empty\n");
  } finally {
    await Deno.remove(result.dir, { recursive: true });
  }
});
