import assert from "node:assert/strict";
import { parse, parseExpression } from "./parser.ts";
import type { Attribute, Block, Expression, TemplateExpr } from "./ast.ts";

function expr(src: string): Expression {
  const r = parseExpression(src, "t.cw");
  assert.deepEqual(r.diagnostics, [], `diagnostics for ${src}`);
  return r.expr;
}

/** A compact rendering of expression structure for assertions. */
function shape(e: Expression): string {
  switch (e.kind) {
    case "Literal":
      return e.raw ?? String(e.value);
    case "Variable":
      return e.name;
    case "Binary":
      return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
    case "Unary":
      return `(${e.op}${shape(e.operand)})`;
    case "Conditional":
      return `(${shape(e.condition)} ? ${shape(e.then)} : ${shape(e.else)})`;
    case "GetAttr":
      return `${shape(e.object)}.${e.name}`;
    case "Index":
      return `${shape(e.object)}[${shape(e.key)}]${e.legacy ? "L" : ""}`;
    case "Splat":
      return `splat-${e.style}(${shape(e.source)}; ${shape(e.each)})`;
    case "SplatItem":
      return "@";
    case "Call":
      return `${e.name}(${e.args.map(shape).join(", ")}${e.expandFinal ? "..." : ""})`;
    case "Parens":
      return `(${shape(e.expr)})`;
    case "Tuple":
      return `[${e.items.map(shape).join(", ")}]`;
    case "Object":
      return `{${e.items.map((i) => `${shape(i.key)}${i.separator}${shape(i.value)}`).join(", ")}}`;
    case "For":
      return `for(${e.keyVar ?? ""},${e.valueVar} in ${shape(e.collection)}: ${
        e.keyExpr ? shape(e.keyExpr) + " => " : ""
      }${shape(e.valueExpr)}${e.group ? "..." : ""}${
        e.condition ? " if " + shape(e.condition) : ""
      })`;
    case "Template":
      return JSON.stringify(e.parts.map((p) => p.kind === "TemplateLiteral" ? p.value : p.kind));
  }
}

Deno.test("parser: operator precedence and associativity follow the spec", () => {
  assert.equal(
    shape(expr("a || b && c == d < e + f * g")),
    "(a || (b && (c == (d < (e + (f * g))))))",
  );
  assert.equal(shape(expr("1 - 2 - 3")), "((1 - 2) - 3)");
  assert.equal(shape(expr("8 / 4 % 3 * 2")), "(((8 / 4) % 3) * 2)");
  assert.equal(shape(expr("-a.b + !c")), "((-a.b) + (!c))");
  assert.equal(shape(expr("a ? b : c ? d : e")), "(a ? b : (c ? d : e))");
  assert.equal(shape(expr("(1 + 2) * 3")), "(((1 + 2)) * 3)");
});

Deno.test("parser: traversals, legacy index and both splat styles", () => {
  assert.equal(shape(expr("a.b[0].c")), "a.b[0].c");
  assert.equal(shape(expr("a.0")), "a[0]L");
  assert.equal(shape(expr("a[*].b[0]")), "splat-full(a; @.b[0])");
  assert.equal(shape(expr("a.*.b[0]")), "splat-attr(a; @.b)[0]");
  assert.equal(shape(expr("a[*].b[*].c")), "splat-full(splat-full(a; @.b); @.c)");
});

Deno.test("parser: calls with expansion and provider namespaces", () => {
  assert.equal(shape(expr("f(1, x...)")), "f(1, x...)");
  assert.equal(shape(expr("provider::ns::fn()")), "provider::ns::fn()");
  assert.equal(shape(expr("provider :: ns ::fn()")), "provider::ns::fn()");
  assert.equal(shape(expr("f(\n  1,\n  2,\n)")), "f(1, 2)");
});

Deno.test("parser: collections and for expressions", () => {
  assert.equal(shape(expr('{a = 1, "b": 2, (c) = 3}')), '{a=1, ["b"]:2, (c)=3}');
  const obj = expr("{ a = 1 }");
  assert.ok(obj.kind === "Object" && obj.items[0].keyIsIdentifier);
  assert.equal(shape(expr("[for i, v in xs : v if i > 0]")), "for(i,v in xs: v if (i > 0))");
  assert.equal(shape(expr("{for k, v in m : v => k...}")), "for(k,v in m: v => k...)");
});

Deno.test("parser: templates decode escapes and apply strip markers", () => {
  const t = expr('"a\\n\\u00e9$${x}  ${~ y ~}  b"') as TemplateExpr;
  assert.equal(t.kind, "Template");
  assert.deepEqual(
    t.parts.map((p) => p.kind === "TemplateLiteral" ? p.value : p.kind),
    ["a\né${x}", "TemplateInterpolation", "b"],
  );
  const d = expr(
    '"%{ if x }y%{ else }z%{ endif }%{ for k, v in m }${v}%{ endfor }"',
  ) as TemplateExpr;
  assert.equal(d.parts[0].kind, "TemplateIf");
  assert.equal(d.parts[1].kind, "TemplateFor");
  if (d.parts[1].kind === "TemplateFor") {
    assert.equal(d.parts[1].keyVar, "k");
    assert.equal(d.parts[1].valueVar, "v");
  }
});

Deno.test("parser: <<- heredocs strip the smallest indentation", () => {
  const r = parse("a = <<-EOT\n    x\n      y\n\n    EOT\n", "t.cw");
  assert.deepEqual(r.diagnostics, []);
  const t = (r.body.items[0] as Attribute).expr as TemplateExpr;
  assert.deepEqual(t.heredoc, { marker: "EOT", indented: true });
  assert.equal(t.parts.length, 1);
  assert.equal(t.parts[0].kind === "TemplateLiteral" && t.parts[0].value, "x\n  y\n\n");
});

Deno.test("parser: blocks with quoted and identifier labels, one-line blocks", () => {
  const r = parse('resource "file" web {\n  a = 1\n}\nx { y = 2 }\n', "t.cw");
  assert.deepEqual(r.diagnostics, []);
  const b = r.body.items[0] as Block;
  assert.equal(b.type, "resource");
  assert.deepEqual(b.labels.map((l) => [l.value, l.quoted]), [["file", true], ["web", false]]);
  assert.equal(b.range.start, 0);
  assert.equal(b.range.end, 31);
  const one = r.body.items[1] as Block;
  assert.equal((one.body.items[0] as Attribute).name, "y");
});

Deno.test("parser: duplicate attributes point at the second with a note about the first", () => {
  const r = parse("a = 1\nb = 2\na = 3\n", "t.cw");
  assert.equal(r.diagnostics.length, 1);
  const d = r.diagnostics[0];
  assert.equal(d.code, "CW1011");
  assert.equal(d.subject?.start, 12);
  assert.match(d.notes?.[0] ?? "", /t\.cw:1:1/);
});

Deno.test("parser: reports every independent error once, without cascades", () => {
  const src = "a = @\nb = [1,\nc = 1 2\nd {\n  e = f(\n}\ng = 1\n";
  const r = parse(src, "t.cw");
  const lines = r.diagnostics.map((d) => src.slice(0, d.subject!.start).split("\n").length);
  // Line 3 has its own error besides ending the unclosed tuple of line 2.
  assert.deepEqual(lines, [1, 3, 3, 5]);
  assert.equal(r.diagnostics[3].summary, "Unclosed parenthesis");
  assert.equal(r.body.items.filter((i) => i.kind === "Attribute" && i.name === "g").length, 1);
});

Deno.test("parser: unclosed block points at its opening with the expected text", () => {
  const src = 'resource "a" "b" {\n  x = 1\n';
  const r = parse(src, "t.cw");
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0].summary, "Unclosed block");
  assert.equal(r.diagnostics[0].detail, "no closing brace before end of file");
  assert.deepEqual([r.diagnostics[0].subject?.start, r.diagnostics[0].subject?.end], [0, 18]);
});

/** Each block of a body as `type:attribute,attribute`. */
function blockSummary(body: { items: readonly (Attribute | Block)[] }): string[] {
  return body.items.filter((i): i is Block => i.kind === "Block").map((b) =>
    `${b.type}:${b.body.items.map((i) => i.kind === "Attribute" ? i.name : i.type).join(",")}`
  );
}

Deno.test("parser: an interpolation missing its `}` is one error; the block around it still closes", () => {
  const src = 'r {\n  content = "${var.x"\n  other = 1\n}\nq {\n  a = 1 +\n}\n';
  const r = parse(src, "t.cw");
  assert.deepEqual(r.diagnostics.map((d) => `${d.code} ${d.summary}`), [
    "CW1009 Expected `}` to end the interpolation",
    "CW1009 Missing expression",
  ]);
  assert.deepEqual(blockSummary(r.body), ["r:other", "q:"]);
});

Deno.test("parser: a quote missing inside an interpolation is one error; the next lines parse", () => {
  const src = 'r {\n  a = "${f("x)}"\n  b = 2\n}\nq {\n  c = 3\n}\n';
  const r = parse(src, "t.cw");
  assert.deepEqual(r.diagnostics.map((d) => d.summary), ["Missing argument separator"]);
  assert.equal(src.slice(r.diagnostics[0].subject!.start).split("\n")[0], "b = 2");
  assert.deepEqual(blockSummary(r.body), ["r:b", "q:c"]);
});

Deno.test("parser: an error inside a well-formed multi-line interpolation does not rescan", () => {
  const src = 'r {\n  a = "${f(\n    1 +\n  )}"\n  b = 2\n}\n';
  const r = parse(src, "t.cw");
  assert.deepEqual(r.diagnostics.map((d) => d.summary), ["Invalid expression"]);
  assert.deepEqual(blockSummary(r.body), ["r:b"]);
});

Deno.test("parser: what swallows the rest of the file is the only error, not the blocks around it", () => {
  for (
    const [src, code] of [
      ["r {\n  content = <<EOT\nhello\nEOF\n  other = 1\n}\n", "CW1004"],
      ["r {\n  s {\n    a = <<EOT\n  ${var.x\n  EOT\n  }\n}\n", "CW1009"],
      ["r {\n  a = 1\n  /* never closed\n}\n", "CW1002"],
      // The error comes before the heredoc that swallows the brace.
      ["r {\n  ..x = <<-EOT\n  y\n}\n", "CW1009"],
      ['r {\n  a = ["%{ if x }y%{<<EOT\n endif }"]\n  b = 1\n}\n', "CW1017"],
    ]
  ) {
    const r = parse(src, "t.cw");
    assert.deepEqual(r.diagnostics.map((d) => d.code), [code], src);
  }
  // Without such text, a missing brace is still its own error.
  const open = parse("r {\n  a = 1 2\n  b = 3\n", "t.cw");
  assert.deepEqual(open.diagnostics.map((d) => d.code), ["CW1008", "CW1007"]);
});

Deno.test("parser: recovery that meets the broken token again does not report it twice", () => {
  const again = parse("a = { -{\n.\n", "t.cw");
  assert.deepEqual(again.diagnostics.map((d) => d.summary), ["Invalid expression"]);
  // The line of the error closes the block: recovery skips the rest of it.
  const closing = parse("b {\n}${\nc = 1\n", "t.cw");
  assert.deepEqual(closing.diagnostics.map((d) => d.code), ["CW1001"]);
  assert.deepEqual(closing.body.items.map((i) => i.kind === "Attribute" ? i.name : i.type), ["c"]);
  // A `}` matching a `{` of the item before the error does not end the enclosing block.
  const inner = parse('r {\n  a = "x${v%{r.y}\\n"\n  b = 1\n}\n', "t.cw");
  assert.deepEqual(inner.diagnostics.map((d) => d.summary), ["Missing key/value separator"]);
  assert.deepEqual(blockSummary(inner.body), ["r:b"]);
});

Deno.test("parser: hostile inputs are diagnostics, not crashes or hangs", () => {
  const cases = [
    "a = " + "[".repeat(10000),
    "a = " + "[".repeat(10000) + "]".repeat(10000),
    "a = " + "(".repeat(10000) + "1" + ")".repeat(10000),
    "a = " + "-".repeat(10000) + "1",
    "b {\n".repeat(5000),
    'a = "' + "${".repeat(5000),
    'a = "' + "x".repeat(1 << 20),
    "a = <<EOT\n" + "x\n".repeat(100000),
    "a = {" + "b = {".repeat(5000),
  ];
  for (const src of cases) {
    const t = performance.now();
    const r = parse(src, "t.cw");
    assert.ok(r.diagnostics.length > 0, src.slice(0, 20));
    assert.ok(r.diagnostics.length < 10, `cascade on ${src.slice(0, 20)}`);
    assert.ok(performance.now() - t < 3000, `slow on ${src.slice(0, 20)}`);
  }
});

Deno.test("parser: recovery stays linear on many broken lines", () => {
  const lines = 30000;
  for (
    const line of [
      "a = [\n",
      "a = f(\n",
      'a = "${\n',
      'a = "\n',
      "a = 1 2\n",
      "b {\n",
      'a = "${x"\n',
      'a = "${f("x)}"\n',
      "r {\n  a = <<EOT\n",
    ]
  ) {
    const src = line.repeat(lines);
    const t = performance.now();
    const r = parse(src, "t.cw");
    assert.ok(r.diagnostics.length > 0 && r.diagnostics.length <= 51);
    assert.ok(performance.now() - t < 5000, `${JSON.stringify(line)} took too long`);
  }
});

Deno.test("parser: a flood of broken lines is capped", () => {
  const r = parse("{\n".repeat(5000), "t.cw");
  assert.equal(r.diagnostics.length, 51);
  assert.equal(r.diagnostics[50].summary, "Too many errors");
});

Deno.test("parser: a 1 MB string literal parses", () => {
  const big = "x".repeat(1 << 20);
  const r = parse(`a = "${big}"\n`, "t.cw");
  assert.deepEqual(r.diagnostics, []);
  const t = (r.body.items[0] as Attribute).expr as TemplateExpr;
  assert.equal(t.parts[0].kind === "TemplateLiteral" && t.parts[0].value.length, 1 << 20);
});

Deno.test("parser: parseExpression rejects trailing input", () => {
  const r = parseExpression("1 2", "t.cw");
  assert.equal(r.diagnostics[0].code, "CW1023");
});
