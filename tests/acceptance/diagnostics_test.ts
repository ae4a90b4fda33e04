/**
 * Acceptance: LANGUAGE.md "Diagnostics" and the ground rule "never a stack trace
 * on bad input". Every malformed configuration below must exit 1 with a rustc-style
 * diagnostic (file:line:col, the source line, a caret) and nothing that looks
 * like a crash.
 */
import assert from "node:assert/strict";
import { runCli } from "../support/cli.ts";

const CRASH =
  /Stack backtrace|Uncaught| {4}at (file|ext|node):|TypeError|RangeError|ReferenceError/;

/** [name, main.cw, a fragment the diagnostic must contain, the line the caret points at]. */
const malformed: [string, string, string, number][] = [
  ["unclosed block", `resource "file" "a" {\n  path = "x"\n`, "CW1007", 1],
  ["unterminated heredoc", `locals {\n  x = <<EOT\nabc\n`, "EOT", 2],
  ["missing value", `locals {\n  a = \n}\n`, "expected", 2],
  ["invalid character", `\u00ff\u00fe garbage\n`, "expected", 1],
  ["wrong label count", `resource "file" {\n}\n`, "2 labels", 1],
  [
    "unknown attribute",
    `resource "file" "a" {\n  path = "x"\n  content = "y"\n  pth = 1\n}\n`,
    'Did you mean "path"',
    4,
  ],
  [
    "wrong type",
    `resource "file" "a" {\n  path = "x"\n  content = "y"\n  lifecycle {\n    prevent_destroy = "yes"\n  }\n}\n`,
    "bool",
    5,
  ],
  ["unknown reference", `output "o" {\n  value = local.nope\n}\n`, "nope", 2],
  ["unknown variable", `output "o" {\n  value = var.nope\n}\n`, "nope", 2],
  ["unknown function", `output "o" {\n  value = nosuch(1)\n}\n`, "nosuch", 2],
  ["bad operand", `output "o" {\n  value = "a" + 1\n}\n`, "number", 2],
  ["cycle", `locals {\n  a = local.b\n  b = local.a\n}\n`, "local.a → local.b → local.a", 2],
  [
    "invalid count",
    `resource "file" "a" {\n  count = "many"\n  path = "x"\n  content = ""\n}\n`,
    "count",
    2,
  ],
  ["unknown resource type", `resource "fiel" "a" {\n  path = "x"\n}\n`, "file", 1],
  ["unknown block", `bogus "x" {\n}\n`, "bogus", 1],
  ["deep nesting", `locals {\n  a = ${"[".repeat(5000)}\n}\n`, "CW1", 2],
  ["bad type spec", `variable "v" {\n  type    = strng\n  default = "x"\n}\n`, "type", 2],
  [
    "unknown assertion kind",
    `resource "file" "a" {\n  path = "x"\n  content = "y"\n  assert "htp" {}\n}\n`,
    "htp",
    4,
  ],
];

Deno.test("diagnostics: malformed configurations give file:line:col, a caret and exit 1, never a crash", async () => {
  const results = await Promise.all(
    malformed.map(([, source]) => runCli(["validate"], { files: { "main.cw": source } })),
  );
  for (const [i, [name, , fragment, line]] of malformed.entries()) {
    const r = results[i];
    const context = `case "${name}":\n${r.stderr}`;
    assert.equal(r.code, 1, context);
    assert.doesNotMatch(r.stderr + r.stdout, CRASH, context);
    assert.match(r.stderr, /^error\[CW\d{4}\]: /m, context);
    assert.match(r.stderr, new RegExp(`--> main\\.cw:${line}:\\d+`), context);
    assert.match(r.stderr, /^\s*\|\s*\^+/m, context);
    assert.ok(r.stderr.includes(fragment), `expected "${fragment}" in ${context}`);
  }
});

Deno.test("diagnostics: validate --json carries every error with a JSON range", async () => {
  const r = await runCli(["validate", "--json"], {
    files: {
      "main.cw":
        `resource "file" "a" {\n  pth = "x"\n  content = "y"\n}\noutput "o" {\n  value = var.nope\n}\n`,
    },
  });
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.format_version, "1");
  assert.equal(doc.valid, false);
  const lines = doc.diagnostics.map((d: { range?: { start: { line: number } } }) =>
    d.range?.start.line
  );
  assert.ok(lines.includes(2) && lines.includes(6), JSON.stringify(doc.diagnostics));
  for (const d of doc.diagnostics) {
    assert.match(d.code, /^CW\d{4}$/);
    assert.equal(d.severity, "error");
    assert.equal(d.range.filename, "main.cw");
    assert.ok(d.range.start.column >= 1 && d.range.start.byte >= 0, JSON.stringify(d));
  }
});

Deno.test("diagnostics: errors in several files are all reported in one run", async () => {
  const r = await runCli(["validate"], {
    files: {
      "a.cw": `resource "file" "a" {\n  path = "x"\n  content = "y"\n  colour = 1\n}\n`,
      "b.cw": `output "o" {\n  value = local.missing\n}\n`,
      "c.cw": `locals {\n  z = \n}\n`,
    },
  });
  assert.equal(r.code, 1);
  for (const where of ["a.cw:4:", "b.cw:2:", "c.cw:2:"]) {
    assert.ok(r.stderr.includes(`--> ${where}`), `missing ${where} in:\n${r.stderr}`);
  }
});

// BROKEN at review time: one duplicated attribute yields two errors (CW1011 from
// the parser and CW2001 from config) — issue 3 asks for no follow-on cascades.
Deno.test("diagnostics: a duplicate attribute is reported once", async () => {
  const r = await runCli(["validate", "--json"], {
    files: { "main.cw": `resource "file" "a" {\n  path = "x"\n  path = "y"\n  content = "z"\n}\n` },
  });
  assert.equal(r.code, 1);
  const diagnostics = JSON.parse(r.stdout).diagnostics;
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics, null, 1));
});

// BROKEN at review time: `content = ` (a syntax error) also yields "a file
// resource needs one of content, source, description" for the same block.
Deno.test("diagnostics: a syntax error inside a block causes no follow-on 'missing argument' error", async () => {
  const r = await runCli(["validate", "--json"], {
    files: { "main.cw": `resource "file" "a" {\n  path    = "x"\n  content = \n}\n` },
  });
  assert.equal(r.code, 1);
  const codes = JSON.parse(r.stdout).diagnostics.map((d: { code: string }) => d.code);
  assert.deepEqual(codes, ["CW1025"]);
});

Deno.test("diagnostics: bad flags and missing directories are one line or a diagnostic, exit 1, no crash", async () => {
  const cases = [
    ["plan", "--bogus"],
    ["plan", "--refresh=maybe"],
    ["plan", "--out"],
    ["graph", "--format", "svg"],
    ["apply", "--auto-approve", "--parallelism", "0"],
    ["plan", "--var", "novalue"],
    ["plan", "--var-file", "missing.cwvars"],
    ["validate", "/nonexistent/clockwork"],
    ["-C", "/nonexistent/clockwork", "plan"],
    ["plan", "--log-level", "loud"],
    ["state", "show"],
    ["completion", "powershell"],
    ["daemon", "--once", "--interval", "banana"],
  ];
  const results = await Promise.all(
    cases.map((args) => runCli(args, { files: { "main.cw": `locals {}\n` } })),
  );
  for (const [i, args] of cases.entries()) {
    const r = results[i];
    const context = `clockwork ${args.join(" ")}:\n${r.stderr}`;
    assert.equal(r.code, 1, context);
    assert.doesNotMatch(r.stderr + r.stdout, CRASH, context);
    assert.ok(r.stderr.trim().length > 0, context);
  }
});

Deno.test("diagnostics: errors about and inside a module name their own file, line and caret", async () => {
  const r = await runCli(["validate"], {
    files: {
      "main.cw": `module "m" {\n  source = "./mod"\n  nme    = "x"\n}\n`,
      "mod/main.cw":
        `variable "name" {}\nresource "file" "f" {\n  path    = var.name\n  content = local.missing\n}\n`,
    },
  });
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stderr, /-->\s*\n/, `a diagnostic without a location:\n${r.stderr}`);
  assert.match(r.stderr, /--> main\.cw:3:3/, r.stderr);
  assert.match(r.stderr, /--> mod\/main\.cw:4:13/, r.stderr);
  const json = await runCli(["validate", "--json"], { cwd: r.dir });
  for (const d of JSON.parse(json.stdout).diagnostics) {
    assert.ok(d.range?.filename && d.range.start.line >= 1, JSON.stringify(d));
  }
});
