/**
 * Seeded fuzzing of the lexer, parser and hcl2json conversion: thousands of
 * mutations of the differential corpus must never throw, must finish quickly,
 * and every diagnostic must carry a CW1xxx code and a range inside the file.
 */
import assert from "node:assert/strict";
import { parse, parseExpression } from "../src/hcl/parser.ts";
import { lex } from "../src/hcl/lexer.ts";
import { toHcl2Json } from "../src/hcl/hcl2json.ts";
import { rng } from "../src/hcl/_parse_gen.ts";
import { corpus } from "../scripts/gen-hcl-reference.ts";

const SNIPPETS = [
  "{",
  "}",
  "[",
  "]",
  "(",
  ")",
  '"',
  "${",
  "%{",
  "~}",
  "}",
  "\n",
  "\r\n",
  "<<EOT\n",
  "<<-EOT\n",
  "EOT\n",
  "=",
  "==",
  ":",
  "::",
  "?",
  "...",
  ".",
  ".*",
  "[*]",
  ",",
  "#",
  "//",
  "/*",
  "*/",
  "\\",
  "\\u",
  "$${",
  "%%{",
  "for ",
  "in ",
  "if ",
  "endif",
  "endfor",
  "else",
  "-",
  "!",
  "é",
  "😀",
  "\uFEFF",
  "\t",
  "0",
  "1e",
  "=>",
  "@",
  "&",
  "|",
];

function mutate(text: string, next: () => number): string {
  let s = text;
  const n = 1 + Math.floor(next() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(next() * (s.length + 1));
    const op = Math.floor(next() * 5);
    if (op === 0) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(next() * 8));
    else if (op === 1 || op === 2) {
      s = s.slice(0, at) + SNIPPETS[Math.floor(next() * SNIPPETS.length)] + s.slice(at);
    } else if (op === 3) s = s.slice(0, at);
    else {
      const from = Math.floor(next() * s.length);
      s = s.slice(0, at) + s.slice(from, from + Math.floor(next() * 40)) + s.slice(at);
    }
  }
  return s;
}

Deno.test("fuzz: 4000 mutated inputs never throw and stay fast", () => {
  const inputs = [...corpus().values()];
  const next = rng(20261122);
  let withErrors = 0;
  let slowest = 0;
  for (let i = 0; i < 4000; i++) {
    const base = inputs[Math.floor(next() * inputs.length)];
    const text = mutate(base, next);
    const t = performance.now();
    const r = parse(text, "fuzz.cw");
    lex(text, "fuzz.cw");
    parseExpression(text, "fuzz.cw");
    if (r.diagnostics.length === 0) toHcl2Json(r.body, text);
    const took = performance.now() - t;
    slowest = Math.max(slowest, took);
    assert.ok(took < 1000, `input ${i} took ${took.toFixed(0)} ms: ${JSON.stringify(text)}`);
    if (r.diagnostics.length > 0) withErrors++;
    for (const d of r.diagnostics) {
      assert.match(d.code, /^CW1\d{3}$/);
      assert.ok(d.summary.length > 0);
      if (d.subject) {
        assert.ok(
          d.subject.start >= 0 && d.subject.start <= d.subject.end && d.subject.end <= text.length,
          `bad range ${JSON.stringify(d.subject)} for ${JSON.stringify(text)}`,
        );
      }
    }
  }
  // The mutations must actually exercise the error paths.
  assert.ok(withErrors > 1000, `only ${withErrors} inputs had errors`);
});

Deno.test("fuzz: random bytes never throw", () => {
  const next = rng(7);
  for (let i = 0; i < 1000; i++) {
    const len = Math.floor(next() * 200);
    let s = "";
    for (let k = 0; k < len; k++) {
      s += next() < 0.7
        ? String.fromCharCode(32 + Math.floor(next() * 95))
        : SNIPPETS[Math.floor(next() * SNIPPETS.length)];
    }
    const r = parse(s, "r.cw");
    assert.ok(Array.isArray(r.diagnostics));
  }
});
