import { deepEqual, equal, ok } from "node:assert/strict";
import { Sensitive, UNKNOWN } from "../hcl/mod.ts";
import { bufferIo } from "./io.ts";
import {
  approve,
  confirm,
  eventWriter,
  formatValue,
  jsonOut,
  mark,
  painter,
  Progress,
  renderTable,
  stripAnsi,
  toJsonValue,
} from "./views/mod.ts";

Deno.test("jsonOut: format_version first, sensitive and unknown values redacted", () => {
  const io = bufferIo();
  const attrs = Object.create(null);
  attrs.password = new Sensitive("hunter2");
  attrs.id = UNKNOWN;
  jsonOut(io, { valid: true, attrs, skip: undefined });
  equal(
    io.out,
    '{"format_version":"1","valid":true,"attrs":{"password":"(sensitive)","id":"(known after apply)"}}\n',
  );
  ok(!io.out.includes("hunter2"));
});

Deno.test("event writer: one JSON object per line with type and format_version", () => {
  const io = bufferIo();
  const events = eventWriter(io);
  events.stepStart("file.index", "create");
  events.stepEnd("file.index", "ok", 3.4);
  events.emit("summary", { created: 1, secret: new Sensitive("x") });
  const lines = io.out.trimEnd().split("\n").map((l) => JSON.parse(l));
  deepEqual(lines.map((l) => [l.format_version, l.type]), [
    ["1", "step_start"],
    ["1", "step_end"],
    ["1", "summary"],
  ]);
  ok(!Number.isNaN(Date.parse(lines[0].time)));
  equal(lines[1].duration_ms, 3);
  equal(lines[2].secret, "(sensitive)");
});

Deno.test("formatValue: HCL-like text, nested sensitive values redacted", () => {
  equal(formatValue(["a", 1, true, null]), '["a", 1, true, null]');
  equal(formatValue({ user: "u", pass: new Sensitive("p") }), '{ user = "u", pass = (sensitive) }');
  equal(formatValue(UNKNOWN), "(known after apply)");
  deepEqual(toJsonValue([new Sensitive(["deep"])]), ["(sensitive)"]);
});

Deno.test("renderTable: aligned columns, no trailing spaces, painted cells measured without escapes", () => {
  const paint = painter({ color: true });
  const text = renderTable(
    [
      ["file.index", mark(true, paint), "3"],
      ["container.web", mark(false, paint), "12"],
    ],
    { header: ["ADDRESS", "OK", "MS"], alignRight: [2] },
  );
  const plain = stripAnsi(text);
  equal(
    plain,
    ["ADDRESS        OK  MS", "file.index     ✓    3", "container.web  ✗   12"].join("\n"),
  );
  ok(text.includes("\x1b[32m✓\x1b[0m"));
});

Deno.test("painter: plain text when colour is off", () => {
  equal(painter({ color: false })("error", "x"), "x");
  equal(painter({ color: true })("error", "x"), "\x1b[1;31mx\x1b[0m");
});

Deno.test("progress: without a terminal every update is one plain line", () => {
  const io = bufferIo();
  const p = new Progress(io);
  equal(p.animated, false);
  p.update("planning");
  p.update("applying");
  p.done("done");
  equal(io.err, "planning\napplying\ndone\n");
});

Deno.test("confirm: refuses without a terminal; on a terminal only 'yes' approves", async () => {
  equal(await confirm(bufferIo({ stdin: "yes\n" }), "Apply?"), "no-terminal");
  equal(await confirm(bufferIo({ stdin: "yes\n", interactive: true }), "Apply?"), "yes");
  equal(await confirm(bufferIo({ stdin: "y\n", interactive: true }), "Apply?"), "no");
  equal(await confirm(bufferIo({ interactive: true }), "Apply?"), "no");

  const piped = bufferIo({ stdin: "yes\n" });
  equal(await approve(piped, { command: "apply", question: "Apply?", autoApprove: false }), false);
  ok(piped.err.includes("--auto-approve"), piped.err);
  equal(await approve(bufferIo(), { command: "apply", question: "?", autoApprove: true }), true);
});
