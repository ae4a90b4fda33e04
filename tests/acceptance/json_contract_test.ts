/**
 * Acceptance: CLI.md "--json makes every command print machine-readable JSON on
 * stdout … Every JSON document and event carries "format_version": "1"", with
 * the fields every consumer may rely on.
 */
import assert from "node:assert/strict";
import { runCli } from "../support/cli.ts";

const config = {
  "main.cw": `
variable "greeting" {
  default = "hi"
}
resource "directory" "d" {
  path = "\${path.root}/site"
}
resource "file" "page" {
  path    = "\${directory.d.path}/index.html"
  content = var.greeting
  assert "file_exists" {}
  assert "file_content" {
    pattern = "^hi$"
  }
}
resource "command" "c" {
  run        = "true"
  depends_on = [file.page]
}
output "page" {
  value = file.page.path
}
`,
};

function parseDocument(stdout: string, what: string): Record<string, unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new Error(`${what}: stdout is not one JSON document:\n${stdout}`);
  }
  assert.equal(doc.format_version, "1", `${what}: ${stdout}`);
  return doc;
}

function parseEvents(stdout: string, what: string): Record<string, unknown>[] {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  assert.ok(lines.length > 0, `${what}: no events`);
  return lines.map((line) => {
    const event = JSON.parse(line);
    assert.equal(event.format_version, "1", `${what}: ${line}`);
    assert.equal(typeof event.type, "string", `${what}: ${line}`);
    return event;
  });
}

Deno.test("json: every document command prints one JSON document with format_version 1", async () => {
  const applied = await runCli(["apply", "--auto-approve"], { files: config });
  assert.equal(applied.code, 0, applied.stderr);
  const dir = applied.dir;
  const commands: [string[], number][] = [
    [["validate", "--json"], 0],
    [["plan", "--json"], 0],
    [["plan", "--json", "--var", "greeting=changed"], 0],
    [["graph", "--json"], 0],
    [["graph", "--format", "json"], 0],
    [["state", "list", "--json"], 0],
    [["state", "show", "file.page", "--json"], 0],
    [["output", "--json"], 0],
    [["assert", "--json"], 0],
    [["version", "--json"], 0],
    [["plugin", "list", "--json"], 0],
    [["fmt", "--check", "--json"], 0],
    [["state", "show", "file.nope", "--json"], 1],
    [["validate", "--json", "--var", "nope=1"], 1],
  ];
  const results = await Promise.all(commands.map(([args]) => runCli(args, { cwd: dir })));
  for (const [i, [args, code]] of commands.entries()) {
    const r = results[i];
    const what = `clockwork ${args.join(" ")}`;
    assert.equal(r.code, code, `${what}:\n${r.stdout}\n${r.stderr}`);
    parseDocument(r.stdout, what);
  }
  const plan = parseDocument(results[2].stdout, "plan");
  const changes = plan.changes as Record<string, unknown>[];
  const page = changes.find((c) => c.address === "file.page")!;
  assert.equal(page.action, "update");
  assert.ok(Array.isArray(page.reasons) && page.reasons.length > 0);
  assert.deepEqual(Object.keys(plan.summary as object).sort(), [
    "create",
    "delete",
    "no_op",
    "replace",
    "update",
  ]);
  const asserted = parseDocument(results[8].stdout, "assert");
  for (const result of asserted.results as Record<string, unknown>[]) {
    for (
      const key of ["address", "kind", "passed", "expected", "actual", "message", "duration_ms"]
    ) {
      assert.ok(key in result, `assert result lacks ${key}: ${JSON.stringify(result)}`);
    }
  }
  assert.deepEqual(asserted.summary, { passed: 2, failed: 0 });
});

Deno.test("json: apply and destroy stream NDJSON events with the documented fields", async () => {
  const apply = await runCli(["apply", "--auto-approve", "--json"], { files: config });
  assert.equal(apply.code, 0, apply.stderr);
  const events = parseEvents(apply.stdout, "apply");
  const types = new Set(events.map((e) => e.type));
  for (const t of ["plan", "step_start", "step_end", "assert_result", "summary"]) {
    assert.ok(types.has(t), `apply emitted no ${t} event`);
  }
  for (const e of events) {
    if (e.type === "step_start") {
      assert.equal(typeof e.address, "string");
      assert.ok(["create", "update", "replace", "delete"].includes(e.action as string));
      assert.ok(!Number.isNaN(Date.parse(e.time as string)), JSON.stringify(e));
    }
    if (e.type === "step_end") {
      assert.ok(["ok", "failed", "skipped"].includes(e.status as string), JSON.stringify(e));
      assert.equal(typeof e.duration_ms, "number");
    }
    if (e.type === "assert_result") {
      assert.equal(typeof e.passed, "boolean");
      assert.equal(typeof e.kind, "string");
      assert.equal(typeof e.message, "string");
    }
  }
  const summary = events.find((e) => e.type === "summary")!;
  assert.equal(summary.created, 3);
  for (const key of ["updated", "replaced", "deleted", "failed"]) assert.equal(summary[key], 0);

  const destroy = await runCli(["destroy", "--auto-approve", "--json"], { cwd: apply.dir });
  assert.equal(destroy.code, 0, destroy.stderr);
  const destroyEvents = parseEvents(destroy.stdout, "destroy");
  const last = destroyEvents.at(-1)!;
  assert.equal(last.type, "summary");
  assert.equal(last.deleted, 3);
  const order = destroyEvents.filter((e) => e.type === "step_start").map((e) => e.address);
  assert.deepEqual(order, ["command.c", "file.page", "directory.d"], "dependents first");
});

Deno.test("json: a failed apply still ends with a summary and carries diagnostics as events", async () => {
  const r = await runCli(["apply", "--auto-approve", "--json"], {
    files: { "main.cw": `resource "command" "bad" {\n  run = "exit 7"\n}\n` },
  });
  assert.equal(r.code, 1);
  const events = parseEvents(r.stdout, "failed apply");
  assert.ok(events.some((e) => e.type === "step_end" && e.status === "failed"));
  assert.ok(events.some((e) => e.type === "diagnostic" && typeof e.code === "string"));
  const summary = events.find((e) => e.type === "summary")!;
  assert.equal(summary.failed, 1);
  const refused = await runCli(["apply", "--json"], { cwd: r.dir });
  assert.equal(refused.code, 1, "without a terminal and without --auto-approve apply refuses");
});

// BROKEN at review time: apply emits its `summary` event before the
// `assert_result` events, so a consumer that stops at the summary (the natural
// end-of-run marker, as in CLI.md's listing) misses every assertion result.
Deno.test("json: the summary is the last event of an apply that runs assertions", async () => {
  const apply = await runCli(["apply", "--auto-approve", "--json"], { files: config });
  assert.equal(apply.code, 0, apply.stderr);
  const types = parseEvents(apply.stdout, "apply").map((e) => e.type);
  assert.ok(types.includes("assert_result"));
  assert.equal(types.at(-1), "summary", types.join(", "));
});

// BROKEN at review time: a step that never starts because an earlier one
// failed is only counted (`summary.skipped`); CLI.md's `step_end` status
// "ok|failed|skipped" is never emitted with "skipped", so a consumer cannot
// tell which resources were left out.
Deno.test("json: steps skipped after a failure get a step_end with status skipped", async () => {
  const r = await runCli(["apply", "--auto-approve", "--json"], {
    files: {
      "main.cw": `
resource "command" "bad" {
  run = "exit 1"
}
resource "command" "after" {
  run        = "true"
  depends_on = [command.bad]
}
`,
    },
  });
  assert.equal(r.code, 1);
  const events = parseEvents(r.stdout, "apply");
  const summary = events.find((e) => e.type === "summary")!;
  assert.equal(summary.skipped, 1, JSON.stringify(summary));
  const skipped = events.filter((e) => e.type === "step_end" && e.status === "skipped");
  assert.deepEqual(skipped.map((e) => e.address), ["command.after"], r.stdout);
});
