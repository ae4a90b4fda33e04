/**
 * The one renderer of diagnostics for people: the layout golden files record,
 * carets placed by display width, long lines cut to a window, and colour left
 * to the caller's painter.
 */
import assert from "node:assert/strict";
import {
  type Diagnostic,
  error,
  type Paint,
  renderDiagnostics,
  SNIPPET_COLUMNS,
  sourceMap,
  warning,
} from "./diagnostics.ts";
import { displayWidth } from "./_width.ts";
import { SourceFile } from "./source.ts";

/** Renders one diagnostic whose subject is the first `needle` in `text`. */
function renderAt(text: string, needle: string, make = error, detail = "here"): string {
  const start = text.indexOf(needle);
  assert.ok(start >= 0, `${needle} not in the text`);
  const subject = { filename: "main.cw", start, end: start + needle.length };
  const diag = make("CW2007", "Unknown name", subject, { detail });
  return renderDiagnostics([diag], sourceMap([new SourceFile("main.cw", text)]));
}

/** The shown source line and the caret line below it. */
function snippetLines(rendered: string): { source: string; caret: string } {
  const lines = rendered.split("\n");
  const at = lines.findIndex((l) => /^\d+ \| /.test(l));
  return { source: lines[at], caret: lines[at + 1] };
}

Deno.test("renderDiagnostics: the rustc-style layout", () => {
  const text = 'resource "file" "a" {\n  content = bogus.x\n}\n';
  assert.equal(
    renderAt(text, "bogus.x", error, "no such name"),
    [
      "error[CW2007]: Unknown name",
      " --> main.cw:2:13",
      "  |",
      "2 |   content = bogus.x",
      "  |             ^^^^^^^ no such name",
    ].join("\n"),
  );
});

Deno.test("renderDiagnostics: details of several lines, notes, addresses, no snippet", () => {
  const file = new SourceFile("a.cw", "x = 1\n");
  const diags: Diagnostic[] = [
    warning("CW3001", "Odd value", { filename: "a.cw", start: 4, end: 5 }, {
      detail: "first\nsecond",
      address: "file.a",
      notes: ["see the docs"],
    }),
    error("CW3002", "Gone", { filename: "missing.cw", start: 0, end: 1 }, { detail: "why" }),
    error("CW3003", "Nowhere", undefined, { detail: "anywhere" }),
  ];
  assert.equal(
    renderDiagnostics(diags, sourceMap([file])),
    [
      "warning[CW3001]: Odd value",
      " --> a.cw:1:5",
      "  |",
      "1 | x = 1",
      "  |     ^",
      "  = first",
      "  = second",
      "  = resource: file.a",
      "  = note: see the docs",
      "",
      "error[CW3002]: Gone",
      "  --> missing.cw",
      "   why",
      "",
      "error[CW3003]: Nowhere",
      "  anywhere",
    ].join("\n"),
  );
});

Deno.test("renderDiagnostics: the caret is placed and sized by display width", () => {
  const { source, caret } = snippetLines(renderAt('x = "日本語🎉👩‍💻" + 語bogus\n', "語bogus"));
  assert.equal(source, '1 | x = "日本語🎉👩‍💻" + 語bogus');
  // `x = "` and `" + ` are nine columns, three ideographs and two emoji ten; the subject's
  // ideograph is two more.
  assert.equal(caret, `  | ${" ".repeat(19)}${"^".repeat(7)} here`);
});

Deno.test("renderDiagnostics: tabs are four columns before and inside the subject", () => {
  const { source, caret } = snippetLines(renderAt("\tx =\t1\n", "x =\t1"));
  assert.equal(source, "1 |     x =    1");
  assert.equal(caret, `  |     ${"^".repeat(8)} here`);
});

Deno.test("renderDiagnostics: a subject running past its line is marked to the line's end", () => {
  const { caret } = snippetLines(renderAt('a = "one\ntwo"\n', '"one\ntwo"'));
  assert.equal(caret, "  |     ^^^^ here");
});

Deno.test("renderDiagnostics: a line wider than the window is cut around the caret", () => {
  const text = `x = "${"a".repeat(500)}" + bogus + "${"b".repeat(500)}"\n`;
  const { source, caret } = snippetLines(renderAt(text, "bogus"));
  const shown = source.slice("1 | ".length);
  assert.ok(shown.startsWith("...") && shown.endsWith("..."), shown);
  assert.equal(displayWidth(shown), SNIPPET_COLUMNS + 2 * "...".length);
  assert.equal(caret.indexOf("^"), source.indexOf("bogus"));
  assert.match(caret, /\^{5} here$/);
});

Deno.test("renderDiagnostics: a wide line near its start is cut on the right only", () => {
  const text = `bogus = "${"語".repeat(200)}"\n`;
  const { source, caret } = snippetLines(renderAt(text, "bogus"));
  const shown = source.slice("1 | ".length);
  assert.ok(shown.startsWith("bogus") && shown.endsWith("..."), shown);
  assert.ok(displayWidth(shown) <= SNIPPET_COLUMNS + "...".length, shown);
  assert.equal(caret, "  | ^^^^^ here");
});

Deno.test("renderDiagnostics: colour comes from the caller's painter only", () => {
  const tag: Paint = (style, text) => `<${style}>${text}</${style}>`;
  const file = new SourceFile("a.cw", "x = y\n");
  const diag = error("CW2007", "Unknown name", { filename: "a.cw", start: 4, end: 5 }, {
    detail: "no y",
    notes: ["n"],
  });
  assert.equal(
    renderDiagnostics([diag], sourceMap([file]), { paint: tag, displayName: (n) => `./${n}` }),
    [
      "<error>error[CW2007]</error><bold>: Unknown name</bold>",
      " <gutter>--></gutter> ./a.cw:1:5",
      "  <gutter>|</gutter>",
      "<gutter>1 |</gutter> x = y",
      "  <gutter>|</gutter>     <error>^ no y</error>",
      "  <note>= note:</note> n",
    ].join("\n"),
  );
});
