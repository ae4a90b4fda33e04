/**
 * What the real CLI prints with `--json` matches the schemas behind schemas/:
 * every event line of apply, destroy and daemon, and the documents of assert,
 * state and output. A field printed but missing from its schema fails too
 * (parsing drops unknown fields, so the parsed value would differ), so a change
 * of output needs a change of schema, and `deno task schemas` after it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as v from "valibot";
import {
  ApplyEventSchema,
  AssertDocumentSchema,
  DaemonStreamEventSchema,
  DiagnosticsDocumentSchema,
  OutputDocumentSchema,
  StateListDocumentSchema,
  StateRmDocumentSchema,
  StateShowDocumentSchema,
} from "../src/cli/documents.ts";
import { type CliResult, makeTempDir, runCli, writeFiles } from "./support/cli.ts";

const SECRET = "hunter2-never-printed";

const CONFIG = `
variable "token" {
  type      = string
  default   = "${SECRET}"
  sensitive = true
}

resource "file" "greeting" {
  path    = "\${path.root}/out/greeting.txt"
  content = "hello\\n"

  assert "file_content" {
    path    = "\${path.root}/out/greeting.txt"
    pattern = "^hello"
  }
}

resource "file" "notes" {
  path    = "\${path.root}/out/notes.txt"
  content = "notes\\n"
}

output "greeting_path" {
  value = file.greeting.path
}

output "token" {
  value     = var.token
  sensitive = true
}
`;

/** Parses `doc` with `schema` and fails on any difference, unknown fields included. */
function conforms(schema: v.GenericSchema, doc: unknown, what: string): void {
  const result = v.safeParse(schema, doc);
  assert.ok(
    result.success,
    `${what} does not match its schema: ${
      result.issues?.map((i) => `${v.getDotPath(i) ?? "(root)"}: ${i.message}`).join("; ")
    }\n${JSON.stringify(doc)}`,
  );
  assert.deepEqual(result.output, doc, `${what} has fields its schema does not describe`);
}

/** Every stdout line is an event of `schema`; returns the events' types in order. */
function eventLines(run: CliResult, schema: v.GenericSchema, what: string): string[] {
  assert.ok(!run.stdout.includes(SECRET), `${what} printed a sensitive value`);
  const lines = run.stdout.split("\n").filter((line) => line !== "");
  assert.ok(lines.length > 0, `${what} printed no events; stderr: ${run.stderr}`);
  return lines.map((line) => {
    const event = JSON.parse(line);
    conforms(schema, event, `${what} event ${event.type}`);
    return event.type;
  });
}

/** stdout is one document of `schema`; returns it. */
function document(run: CliResult, schema: v.GenericSchema, what: string): any {
  assert.ok(!run.stdout.includes(SECRET), `${what} printed a sensitive value`);
  const lines = run.stdout.split("\n").filter((line) => line !== "");
  assert.equal(lines.length, 1, `${what} prints one document; stderr: ${run.stderr}`);
  const doc = JSON.parse(lines[0]!);
  conforms(schema, doc, what);
  return doc;
}

Deno.test("--json output of apply, destroy, daemon, assert, state and output matches schemas/", async () => {
  const dir = await makeTempDir();
  try {
    await writeFiles(dir, { "main.cw": CONFIG });
    const cli = (...args: string[]) => runCli(["--json", ...args], { cwd: dir });

    // Without a terminal or --auto-approve the refusal is a diagnostic event.
    const refused = await cli("apply");
    assert.equal(refused.code, 1, refused.stderr);
    assert.deepEqual(eventLines(refused, ApplyEventSchema, "apply (refused)"), [
      "plan",
      "diagnostic",
    ]);

    const applied = await cli("apply", "--auto-approve");
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    const applyTypes = eventLines(applied, ApplyEventSchema, "apply");
    for (const type of ["plan", "step_start", "step_end", "assert_result", "summary"]) {
      assert.ok(applyTypes.includes(type), `apply emitted no ${type}: ${applyTypes}`);
    }

    const asserted = await cli("assert");
    assert.equal(asserted.code, 0, asserted.stderr);
    const assertDoc = document(asserted, AssertDocumentSchema, "assert");
    assert.equal(assertDoc.results.length, 1);

    const listed = await cli("state", "list");
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      document(listed, StateListDocumentSchema, "state list").resources.map((r: any) => r.address),
      ["file.greeting", "file.notes"],
    );

    const shown = await cli("state", "show", "file.greeting");
    assert.equal(shown.code, 0, shown.stderr);
    document(shown, StateShowDocumentSchema, "state show");

    const outputs = await cli("output");
    assert.equal(outputs.code, 0, outputs.stderr);
    const outputsDoc = document(outputs, OutputDocumentSchema, "output");
    assert.deepEqual(outputsDoc.outputs.token, { value: "(sensitive)", sensitive: true });
    for (const name of ["greeting_path", "token"]) {
      const one = await cli("output", name);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(document(one, OutputDocumentSchema, `output ${name}`).name, name);
    }

    // A document command that fails prints the diagnostics document instead.
    for (const args of [["output", "nope"], ["state", "show", "file.nope"]]) {
      const failed = await cli(...args);
      assert.equal(failed.code, 1, failed.stderr);
      const doc = document(failed, DiagnosticsDocumentSchema, args.join(" "));
      assert.equal(doc.diagnostics[0].severity, "error");
    }

    // Drift the daemon repairs: its events and the repair's step events.
    await Deno.writeTextFile(join(dir, "out/greeting.txt"), "changed by hand\n");
    const repaired = await cli("daemon", "--once");
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    const repairTypes = eventLines(repaired, DaemonStreamEventSchema, "daemon");
    for (
      const type of [
        "cycle_start",
        "drift",
        "step_start",
        "step_end",
        "repair",
        "assert_result",
        "cycle_end",
      ]
    ) {
      assert.ok(repairTypes.includes(type), `daemon emitted no ${type}: ${repairTypes}`);
    }

    // Drift the policy leaves alone: a skipped event.
    await Deno.writeTextFile(join(dir, "out/notes.txt"), "changed by hand\n");
    const reported = await cli("daemon", "--once", "--auto-fix", "none");
    const reportTypes = eventLines(reported, DaemonStreamEventSchema, "daemon --auto-fix none");
    assert.ok(reportTypes.includes("skipped"), `daemon emitted no skipped: ${reportTypes}`);

    const removed = await cli("state", "rm", "file.notes");
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(document(removed, StateRmDocumentSchema, "state rm").removed, ["file.notes"]);

    const destroyed = await cli("destroy", "--auto-approve");
    assert.equal(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
    const destroyTypes = eventLines(destroyed, ApplyEventSchema, "destroy");
    for (const type of ["plan", "step_start", "step_end", "summary"]) {
      assert.ok(destroyTypes.includes(type), `destroy emitted no ${type}: ${destroyTypes}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
