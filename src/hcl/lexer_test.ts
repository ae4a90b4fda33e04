import assert from "node:assert/strict";
import { lex, type TokenType } from "./lexer.ts";

function kinds(src: string): [TokenType, string][] {
  return lex(src, "t.cw").tokens.map((t) => [t.type, src.slice(t.start, t.end)]);
}

Deno.test("lexer: identifiers with dashes and Unicode letters", () => {
  assert.deepEqual(kinds("a-b_c résumé 日本 x1"), [
    ["Ident", "a-b_c"],
    ["Ident", "résumé"],
    ["Ident", "日本"],
    ["Ident", "x1"],
    ["EOF", ""],
  ]);
});

Deno.test("lexer: numbers with fractions and exponents", () => {
  assert.deepEqual(kinds("1 1.5 1e3 2.5E-2 7e+1 1. 1e"), [
    ["Number", "1"],
    ["Number", "1.5"],
    ["Number", "1e3"],
    ["Number", "2.5E-2"],
    ["Number", "7e+1"],
    ["Number", "1"],
    ["Dot", "."],
    ["Number", "1"],
    ["Ident", "e"],
    ["EOF", ""],
  ]);
});

Deno.test("lexer: every operator and punctuation", () => {
  const src = "== != <= >= && || => ... :: ! < > = + - * / % ? : . , ( ) [ ] { }";
  const types = lex(src, "t").tokens.map((t) => t.type);
  assert.deepEqual(types, [
    "EqualOp",
    "NotEqual",
    "LessThanEq",
    "GreaterThanEq",
    "And",
    "Or",
    "FatArrow",
    "Ellipsis",
    "DoubleColon",
    "Bang",
    "LessThan",
    "GreaterThan",
    "Equal",
    "Plus",
    "Minus",
    "Star",
    "Slash",
    "Percent",
    "Question",
    "Colon",
    "Dot",
    "Comma",
    "OParen",
    "CParen",
    "OBrack",
    "CBrack",
    "OBrace",
    "CBrace",
    "EOF",
  ]);
});

Deno.test("lexer: comments and newlines are tokens; CRLF and a leading BOM", () => {
  const src = "\uFEFFa = 1 # hash\r\n// slash\n/* block\n */b";
  assert.deepEqual(kinds(src), [
    ["Ident", "a"],
    ["Equal", "="],
    ["Number", "1"],
    ["Comment", "# hash"],
    ["Newline", "\n"],
    ["Comment", "// slash"],
    ["Newline", "\n"],
    ["Comment", "/* block\n */"],
    ["Ident", "b"],
    ["EOF", ""],
  ]);
});

Deno.test("lexer: unclosed block comment is a diagnostic", () => {
  const r = lex("a = 1 /* never", "t.cw");
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0].code, "CW1002");
  assert.equal(r.tokens.at(-2)?.type, "UnclosedComment");
});

Deno.test("lexer: quoted templates with escapes, sequences and strip markers", () => {
  assert.deepEqual(kinds('"a\\"b$${x}${~ y ~}%{ if z }"'), [
    ["OQuote", '"'],
    ["QuotedLit", 'a\\"b$${x}'],
    ["TemplateInterp", "${~"],
    ["Ident", "y"],
    ["TemplateSeqEnd", "~}"],
    ["TemplateControl", "%{"],
    ["Ident", "if"],
    ["Ident", "z"],
    ["TemplateSeqEnd", "}"],
    ["CQuote", '"'],
    ["EOF", ""],
  ]);
});

Deno.test("lexer: braces inside an interpolation do not end it", () => {
  const types = lex('"${ {a = 1}.a }"', "t").tokens.map((t) => t.type);
  assert.deepEqual(types, [
    "OQuote",
    "TemplateInterp",
    "OBrace",
    "Ident",
    "Equal",
    "Number",
    "CBrace",
    "Dot",
    "Ident",
    "TemplateSeqEnd",
    "CQuote",
    "EOF",
  ]);
});

Deno.test("lexer: heredocs, indented closing marker, nested interpolation", () => {
  assert.deepEqual(kinds("x = <<-EOT\n  a ${b}\n  EOTX\n  EOT\ny"), [
    ["Ident", "x"],
    ["Equal", "="],
    ["OHeredoc", "<<-EOT\n"],
    ["StringLit", "  a "],
    ["TemplateInterp", "${"],
    ["Ident", "b"],
    ["TemplateSeqEnd", "}"],
    ["StringLit", "\n"],
    ["StringLit", "  EOTX\n"],
    ["CHeredoc", "  EOT"],
    ["Newline", "\n"],
    ["Ident", "y"],
    ["EOF", ""],
  ]);
});

Deno.test("lexer: a quoted string stops at the end of its line", () => {
  assert.deepEqual(kinds('a = "x\nb'), [
    ["Ident", "a"],
    ["Equal", "="],
    ["OQuote", '"'],
    ["QuotedLit", "x"],
    ["Newline", "\n"],
    ["Ident", "b"],
    ["EOF", ""],
  ]);
});

Deno.test("lexer: invalid characters become Invalid tokens, never exceptions", () => {
  const types = lex("@ ; & | ~ ` \u00a0", "t").tokens.map((t) => t.type);
  assert.deepEqual(types, Array(7).fill("Invalid").concat(["EOF"]));
});

Deno.test("lexer: is linear on a 1 MB string", () => {
  const src = 'a = "' + "x".repeat(1 << 20) + '"\n';
  const t = performance.now();
  const r = lex(src, "t");
  assert.equal(r.tokens.length, 7);
  assert.ok(performance.now() - t < 2000);
});
