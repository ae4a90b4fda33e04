import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { error, SourceFile, warning } from "../hcl/mod.ts";
import type { Command } from "./commands/_types.ts";
import { createContext, diagnosticSummary } from "./context.ts";
import { bufferIo } from "./io.ts";

const cwd = "/work/project";
const file = new SourceFile(
  join(cwd, "infra/main.cw"),
  'resource "file" "index" {\n  path = 1\n}\n',
);
const diags = [
  error("CW1007", "Unclosed block", { filename: file.filename, start: 0, end: 25 }, {
    detail: "no closing brace before end of file",
  }),
  warning("CW2001", "Unused variable", { filename: file.filename, start: 28, end: 32 }),
  error("CW5001", "Step failed", undefined, { address: "file.index" }),
];

function makeContext(
  opts: {
    json?: boolean;
    output?: "document" | "stream";
    color?: boolean;
    env?: Record<string, string>;
  },
) {
  const io = bufferIo({ color: opts.color ?? false });
  const command: Command = {
    name: "test",
    summary: "",
    usage: "",
    options: {},
    ...(opts.output ? { output: opts.output } : {}),
    run: () => Promise.resolve(0),
  };
  const ctx = createContext({
    command,
    globals: { json: opts.json ?? false, noColor: false, vars: [], varFiles: [], noAi: false },
    io,
    cwd,
    env: opts.env ?? {},
    values: {},
    positionals: [],
  });
  return { io, ctx };
}

Deno.test("human diagnostics: snippets for registered sources, relative names, summary line", () => {
  const { io, ctx } = makeContext({});
  ctx.registerSource(file);
  ctx.reportDiagnostics(diags);
  ctx.finish();
  equal(io.out, "");
  match(io.err, /^error\[CW1007\]: Unclosed block\n --> infra\/main\.cw:1:1\n/);
  match(io.err, /1 \| resource "file" "index" \{\n {2}\| \^{25} no closing brace/);
  match(io.err, /warning\[CW2001\]: Unused variable\n --> infra\/main\.cw:2:3/);
  match(io.err, /= resource: file\.index/);
  ok(io.err.endsWith("\nError: 2 errors, 1 warning\n"), io.err);
  ok(!io.err.includes("\x1b["), "no colour without io.color");
});

Deno.test("human diagnostics: colour only when io.color", () => {
  const { io, ctx } = makeContext({ color: true });
  ctx.reportDiagnostics([diags[0]]);
  ctx.finish();
  ok(io.err.includes("\x1b[1;31merror[CW1007]\x1b[0m"), io.err);
});

Deno.test("human diagnostics: an unregistered file still names the file", () => {
  const { io, ctx } = makeContext({});
  ctx.reportDiagnostics([diags[1]]);
  ctx.finish();
  match(io.err, /--> infra\/main\.cw\n/);
  ok(io.err.endsWith("Warning: 1 warning\n"));
});

Deno.test("json document mode: collected for the command, with line/column and relative names", () => {
  const { io, ctx } = makeContext({ json: true });
  ctx.registerSource(file);
  ctx.reportDiagnostics(diags);
  const taken = ctx.takeJsonDiagnostics();
  ctx.finish();
  equal(io.out, "");
  equal(io.err, "");
  equal(taken.length, 3);
  deepEqual(taken[1].range, {
    filename: "infra/main.cw",
    start: { line: 2, column: 3, byte: 28 },
    end: { line: 2, column: 7, byte: 32 },
  });
  deepEqual(ctx.takeJsonDiagnostics(), []);
});

Deno.test("json document mode: diagnostics the command did not take become a fallback document", () => {
  const { io, ctx } = makeContext({ json: true });
  ctx.reportDiagnostics([diags[2]]);
  ctx.finish();
  const doc = JSON.parse(io.out);
  equal(doc.format_version, "1");
  deepEqual(doc.diagnostics.map((d: { code: string }) => d.code), ["CW5001"]);
});

Deno.test("json stream mode: one diagnostic event per line", () => {
  const { io, ctx } = makeContext({ json: true, output: "stream" });
  ctx.registerSource(file);
  ctx.reportDiagnostics(diags.slice(0, 2));
  ctx.finish();
  const lines = io.out.trimEnd().split("\n").map((l) => JSON.parse(l));
  deepEqual(lines.map((l) => [l.format_version, l.type, l.code]), [
    ["1", "diagnostic", "CW1007"],
    ["1", "diagnostic", "CW2001"],
  ]);
  equal(lines[0].range.filename, "infra/main.cw");
});

Deno.test("log lines respect the log level (flag, then CLOCKWORK_LOG_LEVEL, then warn)", () => {
  const { io, ctx } = makeContext({});
  ctx.log("info", "hidden");
  ctx.log("warn", "shown");
  equal(io.err, "warn: shown\n");
  const { io: io2, ctx: ctx2 } = makeContext({ env: { CLOCKWORK_LOG_LEVEL: "debug" } });
  ctx2.log("debug", "details");
  equal(io2.err, "debug: details\n");
});

Deno.test("diagnosticSummary wording", () => {
  equal(diagnosticSummary(1, 0), "Error: 1 error");
  equal(diagnosticSummary(2, 3), "Error: 2 errors, 3 warnings");
  equal(diagnosticSummary(0, 2), "Warning: 2 warnings");
});
