/**
 * `clockwork daemon --propose` through the real CLI: child processes, the
 * built-in provider plugin in its Worker, the loopback model server, and
 * pins in clockwork.lock.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as v from "valibot";
import { DaemonEventSchema } from "../../src/daemon/mod.ts";
import { type CliResult, makeTempDir, runCli, writeFiles } from "../support/cli.ts";
import { withFakeModelServer } from "./fake_model_server.ts";
import { TWO_FILES } from "../support/configs.ts";

const RUNBOOK = {
  summary: "file.b left the configuration but is still on disk",
  steps: [
    { description: "Make sure nothing reads b.txt any more" },
    { description: "Delete it through Clockwork", command: "clockwork apply --target file.b" },
  ],
};

const explain = (r: CliResult) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

type Event = Record<string, unknown> & { type: string };

function skippedEvents(stdout: string): Event[] {
  const all = stdout.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  return all.filter((e) => e.type === "skipped").map((event) => {
    const { format_version: _version, ...body } = event;
    assert.ok(v.safeParse(DaemonEventSchema, body).success, JSON.stringify(event));
    return event;
  });
}

/** Applied with two files, then file.b removed from the configuration: a delete the daemon only proposes. */
async function withRemovedResource(): Promise<string> {
  const dir = await makeTempDir("clockwork-propose-");
  await writeFiles(dir, { "main.cw": TWO_FILES });
  const apply = await runCli(["apply", "--auto-approve"], { cwd: dir });
  assert.equal(apply.code, 0, explain(apply));
  await writeFiles(dir, { "main.cw": TWO_FILES.split('resource "file" "b"')[0]! });
  return dir;
}

Deno.test("daemon --propose: the AI's runbook comes with the delete, is pinned, and shows offline", async () => {
  const dir = await withRemovedResource();
  await withFakeModelServer(async (server) => {
    server.script({ kind: "answer", content: JSON.stringify(RUNBOOK) });
    const run = await runCli(
      ["--json", "daemon", "--once", "--propose", "--base-url", server.url],
      { cwd: dir },
    );
    assert.equal(run.code, 2, explain(run));
    const [skipped] = skippedEvents(run.stdout);
    assert.equal(skipped!.address, "file.b");
    assert.equal(skipped!.reason, "delete");
    assert.deepEqual(skipped!.runbook, { ...RUNBOOK, source: "model" });
    const lock = JSON.parse(await Deno.readTextFile(join(dir, "clockwork.lock")));
    const pins = Object.values(lock.ai) as { address: string; field: string }[];
    assert.deepEqual(pins.map((p) => [p.address, p.field]), [["file.b", "runbook"]]);
    assert.equal(await Deno.readTextFile(join(dir, "b.txt")), "beta\n", "nothing was run");
  });

  // The server is gone: the pin answers, in the human output too.
  const human = await runCli(["daemon", "--once", "--propose"], { cwd: dir });
  assert.equal(human.code, 2, explain(human));
  assert.match(human.stderr, /change: file\.b .*not applied/);
  assert.match(human.stderr, /runbook \(AI, pinned in clockwork\.lock; not run by Clockwork\)/);
  assert.match(
    human.stderr,
    /2\. Delete it through Clockwork\n\s+\$ clockwork apply --target file\.b/,
  );
  assert.equal(await Deno.readTextFile(join(dir, "b.txt")), "beta\n");
});

Deno.test("daemon --propose: without a model the difference is still reported, with a warning", async () => {
  const dir = await withRemovedResource();
  // A port nothing listens on: the provider cannot be reached.
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${closed.addr.port}`;
  closed.close();
  const run = await runCli(["--json", "daemon", "--once", "--propose", "--base-url", url], {
    cwd: dir,
  });
  assert.equal(run.code, 2, explain(run));
  const [skipped] = skippedEvents(run.stdout);
  assert.equal(skipped!.address, "file.b");
  assert.equal(skipped!.runbook, undefined);
  assert.match(run.stdout + run.stderr, /CW5301/);
  assert.match(run.stdout + run.stderr, /no runbook for file\.b/);

  const refused = await runCli(["daemon", "--once", "--propose", "--no-ai"], { cwd: dir });
  assert.equal(refused.code, 1, explain(refused));
  assert.match(refused.stderr, /CW9304/);
});

Deno.test("daemon without --propose never asks the model", async () => {
  const dir = await withRemovedResource();
  await withFakeModelServer(async (server) => {
    const run = await runCli(["--json", "daemon", "--once", "--base-url", server.url], {
      cwd: dir,
    });
    assert.equal(run.code, 2, explain(run));
    assert.equal(skippedEvents(run.stdout)[0]!.runbook, undefined);
    assert.deepEqual(server.requests.filter((r) => r.path.includes("chat")), []);
  });
});
