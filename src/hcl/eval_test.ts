import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { Expression, TemplatePart } from "./ast.ts";
import { evaluate, FunctionError, isIndexStep, referencesOf } from "./eval.ts";
import { parseExpression } from "./parser.ts";
import type { Range } from "./source.ts";
import { isSensitive, Sensitive, UNKNOWN, type Value } from "./value.ts";

// ---- hand-built ASTs (independent of the parser) ----

const F = "hand.cw";
let cursor = 0;
function r(): Range {
  cursor += 2;
  return { filename: F, start: cursor - 2, end: cursor - 1 };
}
const lit = (value: null | boolean | number): Expression => ({
  kind: "Literal",
  value,
  range: r(),
});
const v = (name: string): Expression => ({ kind: "Variable", name, range: r() });
const attr = (object: Expression, name: string): Expression => ({
  kind: "GetAttr",
  object,
  name,
  nameRange: r(),
  range: r(),
});
const idx = (object: Expression, key: Expression): Expression => ({
  kind: "Index",
  object,
  key,
  legacy: false,
  range: r(),
});
const str = (value: string): Expression => ({
  kind: "Template",
  parts: [{ kind: "TemplateLiteral", value, range: r() }],
  range: r(),
});
const tmpl = (...parts: (string | Expression)[]): Expression => ({
  kind: "Template",
  parts: parts.map((p): TemplatePart =>
    typeof p === "string"
      ? { kind: "TemplateLiteral", value: p, range: r() }
      : { kind: "TemplateInterpolation", expr: p, range: r() }
  ),
  range: r(),
});
const bin = (
  op: "+" | "==" | "&&" | "||" | "<" | "-",
  left: Expression,
  right: Expression,
): Expression => ({ kind: "Binary", op, left, right, opRange: r(), range: r() });
const call = (name: string, ...args: Expression[]): Expression => ({
  kind: "Call",
  name,
  nameRange: r(),
  args,
  expandFinal: false,
  range: r(),
});
const tuple = (...items: Expression[]): Expression => ({ kind: "Tuple", items, range: r() });

const vars = {
  var: Object.assign(Object.create(null), { port: 8080, name: "web", list: [1, 2, 3] }),
  secret: new Sensitive("hunter2"),
  later: UNKNOWN,
};

function ev(e: Expression, variables: Record<string, Value> = vars) {
  return evaluate(e, { variables });
}

Deno.test("hand AST: variables, attributes, templates and operators", () => {
  assertEquals(ev(attr(v("var"), "port")).value, 8080);
  assertEquals(ev(tmpl("http://x:", attr(v("var"), "port"), "/")).value, "http://x:8080/");
  assertEquals(
    ev(tmpl(attr(v("var"), "port"))).value,
    8080,
    "lone interpolation keeps the raw value",
  );
  assertEquals(ev(bin("+", attr(v("var"), "port"), str("2"))).value, 8082);
  assertEquals(ev(bin("==", tuple(lit(1), str("a")), tuple(lit(1), str("a")))).value, true);
  assertEquals(ev(bin("==", lit(1), str("1"))).value, false);
  assertEquals(ev(idx(attr(v("var"), "list"), str("1"))).value, 2, "string index converts");
  assertEquals(ev(call("upper", attr(v("var"), "name"))).value, "WEB");
});

Deno.test("hand AST: diagnostics carry the bad sub-expression's range", () => {
  const name = attr(v("var"), "prot");
  const res = ev(name);
  assertEquals(res.diagnostics.length, 1);
  assertEquals(res.diagnostics[0].summary, "Unsupported attribute");
  assertEquals(
    res.diagnostics[0].detail,
    'This object does not have an attribute named "prot". Did you mean "port"?',
  );
  assertEquals(res.diagnostics[0].subject, (name as { nameRange: Range }).nameRange);
  const unknownVar = v("vars");
  const res2 = ev(unknownVar);
  assertEquals(res2.diagnostics[0].code, "CW1100");
  assertEquals(res2.diagnostics[0].summary, "Unknown variable");
  assert(res2.diagnostics[0].detail?.startsWith('There is no variable named "vars".'));
  assertEquals(res2.diagnostics[0].subject, unknownVar.range);
  const bad = str("x");
  const res3 = ev(bin("+", lit(1), bad));
  assertEquals(res3.diagnostics[0].code, "CW1103");
  assertEquals(res3.diagnostics[0].subject, bad.range);
  assert(res3.diagnostics[0].detail?.includes("a number is required, got string"));
});

Deno.test("hand AST: unknown and sensitive propagate", () => {
  assertEquals(ev(bin("+", v("later"), lit(1))).value, UNKNOWN);
  assertEquals(ev(tmpl("a", v("later"))).value, UNKNOWN);
  const s = ev(tmpl("pw=", v("secret"))).value;
  assert(isSensitive(s));
  assertEquals((s as Sensitive).value, "pw=hunter2");
  assert(isSensitive(ev(call("upper", v("secret"))).value));
  assert(isSensitive(ev(bin("==", v("secret"), str("x"))).value));
  assertEquals(ev(bin("&&", lit(false), v("later"))).value, false, "known false short-circuits");
  assertEquals(ev(bin("||", v("later"), lit(true))).value, true);
});

// ---- parser-based tests ----

function run(src: string, variables: Record<string, Value> = vars) {
  const p = parseExpression(src, "t.cw");
  assertEquals(p.diagnostics, [], `parse ${src}`);
  return evaluate(p.expr, { variables });
}
function val(src: string, variables?: Record<string, Value>): Value {
  const res = run(src, variables);
  assertEquals(res.diagnostics.map((d) => d.summary), [], src);
  return res.value;
}
function err(src: string, code: string, fragment: string, subjectText?: string) {
  const res = run(src, data);
  const d = res.diagnostics.find((x) => x.code === code);
  assert(d, `${src}: expected ${code}, got ${JSON.stringify(res.diagnostics)}`);
  // DIAGNOSTICS.md: the summary is one line with no final full stop; the detail explains.
  assert(!/[.:]$/.test(d.summary) && !d.summary.includes("\n"), `${src}: summary "${d.summary}"`);
  assert(d.detail, `${src}: no detail`);
  const text = `${d.summary}: ${d.detail}`;
  assert(text.includes(fragment), `${src}: "${text}" lacks "${fragment}"`);
  if (subjectText !== undefined) {
    assertEquals(src.slice(d.subject!.start, d.subject!.end), subjectText, `${src} subject`);
  }
}
const obj = (o: Record<string, Value>) => Object.assign(Object.create(null), o);

const data = {
  var: obj({
    port: 8080,
    name: "web",
    list: [1, 2, 3],
    hosts: [obj({ name: "a", ip: "10.0.0.1" }), obj({ name: "b", ip: "10.0.0.2" })],
    tags: obj({ env: "prod", team: "ops" }),
    nothing: null,
    single: obj({ name: "solo" }),
    "0": "zero",
  }),
  local: obj({ s: new Sensitive("pw"), u: UNKNOWN, su: [new Sensitive(1), 2] }),
};

Deno.test("literals, templates and number formatting", () => {
  assertEquals(val(`1e3`, data), 1000);
  assertEquals(val(`"n=\${1e21}"`, data), "n=1000000000000000000000");
  assertEquals(val(`"n=\${0.0000001}"`, data), "n=0.0000001");
  assertEquals(val(`"\${true}-\${false}"`, data), "true-false");
  assertEquals(val(`"\${var.list}"`, data), [1, 2, 3]);
  assertEquals(val(`"%{ if var.port > 80 }high%{ else }low%{ endif }"`, data), "high");
  assertEquals(
    val(`"%{ for k, v in var.tags }\${k}=\${v};%{ endfor }"`, data),
    "env=prod;team=ops;",
  );
  assertEquals(val(`<<EOT\nport \${var.port}\nEOT\n`, data), "port 8080\n");
  err(`"x\${var.nothing}"`, "CW1107", "null", "var.nothing");
  err(`"x\${var.list}"`, "CW1107", "string required, got tuple", "var.list");
  err(`"%{ if "maybe" }x%{ endif }"`, "CW1104", "must be a bool");
});

Deno.test("attribute access, indexing, legacy index and splats", () => {
  assertEquals(val(`var.hosts[1].ip`, data), "10.0.0.2");
  assertEquals(val(`var.hosts.0.name`, data), "a");
  assertEquals(val(`var.tags["env"]`, data), "prod");
  assertEquals(val(`var[0]`, data), "zero", "number key converts to string on objects");
  assertEquals(val(`var.hosts[*].name`, data), ["a", "b"]);
  assertEquals(val(`var.hosts.*.ip`, data), ["10.0.0.1", "10.0.0.2"]);
  assertEquals(val(`var.nothing[*].name`, data), []);
  assertEquals(val(`var.single[*].name`, data), ["solo"]);
  assertEquals(val(`var.single.*.name`, data), ["solo"]);
  err(`var.list[3]`, "CW1102", "Invalid index", "[3]");
  err(`var.list[-1]`, "CW1102", "negative");
  err(`var.list["x"]`, "CW1102", "a number is required");
  err(`var.tags["nope"]`, "CW1102", 'no element with key "nope"');
  err(`var.nothing.x`, "CW1101", "null value", "x");
  err(`var.hosts.name`, "CW1101", "list of objects", "name");
  err(`var.port.x`, "CW1101", "primitive-typed value (number)", "x");
  err(`var.prot`, "CW1101", 'Did you mean "port"?', "prot");
  err(`vars.port`, "CW1100", 'There is no variable named "vars"', "vars");
});

Deno.test("operators follow HCL's conversions", () => {
  assertEquals(val(`"5" + 1`, data), 6);
  assertEquals(val(`7 % 3 * 2 - 1`, data), 1);
  assertEquals(val(`-var.port`, data), -8080);
  assertEquals(val(`!(1 < 2)`, data), false);
  assertEquals(val(`{a = [1, {b = 2}]} == {a = [1, {b = 2}]}`, data), true);
  assertEquals(val(`[1, 2] != [1, 2, 3]`, data), true);
  assertEquals(val(`null == null`, data), true);
  assertEquals(val(`true && "true"`, data), true);
  err(`"abc" + 1`, "CW1103", 'got string "abc"', `"abc"`);
  err(`1 + true`, "CW1103", "got bool", "true");
  err(`null + 1`, "CW1103", "got null");
  err(`1 && true`, "CW1103", "a bool is required");
  err(`5 % 0`, "CW1103", "division by zero");
});

Deno.test("arithmetic never yields Infinity or NaN silently", () => {
  err(`1 / 0`, "CW1103", "Can't divide by zero", "/");
  err(`-3 / (1 - 1)`, "CW1103", "Can't divide by zero", "/");
  err(`0 / 0`, "CW1103", "zero by zero", "/");
  err(`1e308 * 10`, "CW1103", "too large", "*");
  err(`"1e308" + 1e308`, "CW1103", "too large", "+");
  err(`1e400`, "CW1103", "too large", "1e400");
  err(`pow(10, 400)`, "CW1106", "not a finite number");
  err(`tonumber("1e400")`, "CW1106", "not a finite number");
  assertEquals(val(`1 / 4`), 0.25);
  assertEquals(val(`1e308 + 1`), 1e308);
});

Deno.test("conditionals, tuples, objects", () => {
  assertEquals(val(`var.port > 80 ? "big" : "small"`, data), "big");
  assertEquals(
    val(`true ? 1 : var.nope`, data),
    1,
    "errors in the branch not taken are not reported",
  );
  assertEquals(val(`true ? 1 : "x"`, data), "1", "branch types unify to string");
  assertEquals(val(`false ? var.name : 2`, data), "2");
  assertEquals(val(`true ? 1 : var.nothing.x`, data), 1, "errors of the other branch stay silent");
  assertEquals(val(`local.u ? 1 : 2`, data), UNKNOWN);
  err(`null ? 1 : 2`, "CW1104", "null");
  err(`"x" ? 1 : 2`, "CW1104", "must be a bool, got string", `"x"`);
  assertEquals(
    val(`{name = "a", (var.name) = 1, "quoted" = 2, 3 = 4}`, data),
    obj({
      name: "a",
      web: 1,
      quoted: 2,
      "3": 4,
    }),
  );
  err(`{(var.list) = 1}`, "CW1109", "must produce a string, got tuple", "(var.list)");
  err(`{(var.nothing) = 1}`, "CW1109", "null");
});

Deno.test("for expressions: filter, grouping, object iteration, scoping", () => {
  assertEquals(val(`[for x in var.list : x * 10 if x != 2]`, data), [10, 30]);
  assertEquals(val(`[for i, x in var.list : i]`, data), [0, 1, 2]);
  assertEquals(
    val(`{for h in var.hosts : h.name => h.ip}`, data),
    obj({
      a: "10.0.0.1",
      b: "10.0.0.2",
    }),
  );
  assertEquals(val(`[for k, v in {b = 1, a = 2} : "\${k}\${v}"]`, data), ["a2", "b1"]);
  assertEquals(
    val(`{for x in ["a", "b", "a"] : x => x...}`, data),
    obj({ a: ["a", "a"], b: ["b"] }),
  );
  assertEquals(val(`[for var in [1, 2] : var + 1]`, data), [2, 3], "for symbols shadow roots");
  assertEquals(val(`[for x in [[1, 2], [3]] : [for x in x : x * 2]]`, data), [[2, 4], [6]]);
  err(`{for x in ["a", "a"] : x => 1}`, "CW1111", 'produced the key "a"');
  assertEquals(
    run(`[for x in var.list : x.nope]`, data).diagnostics.length,
    1,
    "one mistake in a for body is reported once, not once per element",
  );
  err(`[for x in "abc" : x]`, "CW1108", "non-iterable value", `"abc"`);
  err(`[for x in var.nothing : x]`, "CW1108", "null");
  err(`[for x in var.list : x if x]`, "CW1104", "must be a bool, got number");
  assertEquals(val(`[for x in local.u : x]`, data), UNKNOWN);
  assertEquals(val(`[for x in [1, local.u] : x]`, data), [1, UNKNOWN]);
});

Deno.test("function calls: expansion, unknown function, argument errors", () => {
  assertEquals(val(`max([4, 9, 2]...)`, data), 9);
  assertEquals(val(`concat([1], var.list)`, data), [1, 1, 2, 3]);
  err(
    `lenght(var.list)`,
    "CW1105",
    'There is no function named "lenght". Did you mean "length"?',
    "lenght",
  );
  err(`upper([1])`, "CW1106", "string required, got tuple", "[1]");
  err(`join(",", ["a"], "x")`, "CW1106", "list required", `"x"`);
  err(`upper()`, "CW1106", "Not enough function arguments");
  err(`upper("a", "b")`, "CW1106", "Too many function arguments", `"b"`);
  err(`max(var.port...)`, "CW1110", "must be a list or tuple");
  const custom = evaluate(parseExpression(`twice(21)`, "t.cw").expr, {
    variables: {},
    functions: {
      twice: (a) => (a[0] as number) * 2,
    },
  });
  assertEquals(custom.value, 42);
  const namespaced = evaluate(parseExpression(`provider:: tool ::twice(2)`, "t.cw").expr, {
    variables: {},
    functions: { "provider::tool::twice": (a) => (a[0] as number) * 2 },
  });
  assertEquals(namespaced.value, 4);
  const failing = evaluate(parseExpression(`boom(1, 2)`, "t.cw").expr, {
    variables: {},
    functions: {
      boom: () => {
        throw new FunctionError("second is bad", 1);
      },
    },
  });
  assertEquals(failing.diagnostics[0].subject?.start, 8);
  assertEquals(failing.diagnostics[0].summary, "Invalid function argument");
  assertEquals(failing.diagnostics[0].detail, "second is bad");
});

Deno.test("try and can evaluate lazily", () => {
  assertEquals(val(`try(var.nope, var.hosts[9].name, "fallback")`, data), "fallback");
  assertEquals(val(`try(var.port, "x")`, data), 8080);
  assertEquals(val(`can(var.hosts[0].name)`, data), true);
  assertEquals(val(`can(var.hosts[5].name)`, data), false);
  assertEquals(val(`can(local.u)`, data), UNKNOWN);
  assertEquals(val(`try(local.u, 1)`, data), UNKNOWN);
  err(`try(var.nope, var.nada)`, "CW1106", "no expression succeeded");
});

Deno.test("unknown and sensitive values propagate through every operation", () => {
  for (
    const src of [
      `local.u + 1`,
      `local.u.x`,
      `var.list[local.u]`,
      `"a\${local.u}"`,
      `upper(local.u)`,
      `[for x in var.list : x][local.u]`,
      `local.u == 1`,
      `-local.u`,
      `{(local.u) = 1}`,
      `local.u[*].a`,
      `jsonencode([local.u])`,
    ]
  ) assertEquals(val(src, data), UNKNOWN, src);
  assertEquals(val(`length([local.u, 1])`, data), 2, "length sees through unknown elements");
  for (
    const src of [
      `local.s`,
      `"x\${local.s}"`,
      `upper(local.s)`,
      `local.s == "pw"`,
      `local.su[0] + 1`,
      `length(local.su)`,
      `[for x in local.su : x][0]`,
      `local.s != "" ? 1 : 2`,
    ]
  ) assert(isSensitive(val(src, data)), src);
  assert(!isSensitive(val(`local.su[1]`, data)), "only derived values are marked");
});

Deno.test("evaluation never throws on user errors", () => {
  for (
    const src of [
      `var.x.y.z`,
      `nope(1)`,
      `[for x in 1 : x]`,
      `"a\${[1]}"`,
      `{for x in [1] : x => x}[1].q`,
      `file("/definitely/not/here")`,
      `templatefile("/nope.tpl", {})`,
      `regex("(", "x")`,
      `format("%d", "x")`,
      `1 / 0 + "a"`,
    ]
  ) {
    const res = run(src, data);
    assert(res.diagnostics.length > 0, src);
  }
});

Deno.test("referencesOf finds static traversals and skips for-bound names", () => {
  const p = parseExpression(
    `"\${var.port}-\${file.index.path}" == [for k, v in local.m : v.x if each.key != k][0] ? module.cache["url"] : x[var.i].y`,
    "t.cw",
  );
  const refs = referencesOf(p.expr).map((t) => `${t.root}:${JSON.stringify(t.path)}`);
  assertEquals(refs.sort(), [
    'each:["key"]',
    'file:["index","path"]',
    'local:["m"]',
    'module:["cache","url"]',
    'var:["i"]',
    'var:["port"]',
    "x:[]",
  ]);
  const q = parseExpression(`aws.list[0].name`, "t.cw");
  const [t] = referencesOf(q.expr);
  assertEquals(t.path, ["list", 0, "name"]);
  assertEquals(`aws.list[0].name`.slice(t.range.start, t.range.end), "aws.list[0].name");
  const s = parseExpression(`{ key = v.a } `, "t.cw");
  assertEquals(
    referencesOf(s.expr).map((x) => x.root),
    ["v"],
    "identifier keys are not references",
  );
  const tf = parseExpression(`"%{ for n in names }\${n}\${sep}%{ endfor }"`, "t.cw");
  assertEquals(referencesOf(tf.expr).map((x) => x.root), ["names", "sep"]);
});

Deno.test("evaluating 10k blocks' worth of attributes is fast", () => {
  const exprs: Expression[] = [];
  for (
    const src of [
      `"\${var.name}-\${count}"`,
      `var.port + 1`,
      `var.tags.env == "prod" ? "p" : "d"`,
      `[for h in var.hosts : h.ip]`,
      `upper(var.name)`,
    ]
  ) exprs.push(parseExpression(src, "b.cw").expr);
  const variables = { ...data, count: 3 };
  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) {
    for (const e of exprs) evaluate(e, { variables });
  }
  const ms = performance.now() - t0;
  // Generous bound: a sanity check under CI load; eval_bench.ts measures the real number.
  assert(ms < 1000, `took ${ms} ms`);
});

Deno.test("evaluating every attribute of the HCL test corpus never throws", async () => {
  const { parse } = await import("./parser.ts");
  const root = new URL("../../tests/", import.meta.url).pathname;
  const files: string[] = [];
  const walk = (dir: string) => {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory) walk(`${dir}/${e.name}`);
      else if (/\.(cw|hcl)$/.test(e.name)) files.push(`${dir}/${e.name}`);
    }
  };
  walk(`${root}golden/hcl`);
  walk(`${root}fixtures/hcl`);
  const contexts: Record<string, Value>[] = [
    {},
    { var: obj({ name: "x", list: [1, 2] }), local: UNKNOWN, each: obj({ key: "k", value: 1 }) },
    { var: new Sensitive(obj({ a: [obj({ b: null })] })), x: [UNKNOWN, null, "s"] },
  ];
  let evaluated = 0;
  const visit = (body: import("./ast.ts").Body) => {
    for (const item of body.items) {
      if (item.kind === "Block") {
        visit(item.body);
        continue;
      }
      for (const variables of contexts) {
        const res = evaluate(item.expr, { variables, baseDir: "/nonexistent" });
        for (const d of res.diagnostics) {
          assert(/^CW11\d\d$/.test(d.code), d.code);
          assert(d.subject !== undefined, d.summary);
        }
        evaluated++;
      }
    }
  };
  for (const file of files) visit(parse(Deno.readTextFileSync(file), file).body);
  assert(evaluated > 500, `only ${evaluated} evaluations`);
});

Deno.test("an engine limit becomes a diagnostic, not an exception", () => {
  // Eight copies of a 256 MiB string exceed V8's maximum string length.
  const big = "a".repeat(1 << 28);
  const res = evaluate(
    parseExpression(`"\${x}\${x}\${x}\${x}\${x}\${x}\${x}\${x}"`, "t.cw").expr,
    { variables: { x: big } },
  );
  assertEquals(res.value, UNKNOWN);
  assertEquals(res.diagnostics[0].code, "CW1199");
  assertEquals(evaluate(parseExpression(`1 + 1`, "t.cw").expr, { variables: {} }).value, 2);
});

Deno.test('isIndexStep tells `a.x` from `a["x"]`, which the path records alike', () => {
  const refOf = (source: string) =>
    referencesOf(parseExpression(source, "t.cw").expr).find((t) => t.root === "module")!;
  const keyed = refOf(`module.site["blue"].url`);
  const plain = refOf(`module.site.blue.url`);
  assertEquals(keyed.path, plain.path);
  assertEquals([0, 1, 2].map((i) => isIndexStep(keyed, i)), [false, true, false]);
  assertEquals([0, 1, 2].map((i) => isIndexStep(plain, i)), [false, false, false]);
  // Steps after a dynamic index are not in the path; positions past it are no index.
  const dynamic = refOf(`module.worker[0].names[var.i]`);
  assertEquals(dynamic.path, ["worker", 0, "names"]);
  assertEquals([0, 1, 2, 3].map((i) => isIndexStep(dynamic, i)), [false, true, false, false]);
  assertEquals(isIndexStep({ root: "x", path: ["a"], range: r() }, 0), false);
});

Deno.test('eval: "1" and "0" are bools wherever a bool is expected, as cty converts them', () => {
  const value = (text: string) => {
    const { expr } = parseExpression(text, "t.cw");
    return evaluate(expr, { variables: {}, baseDir: "/tmp" }).value;
  };
  assertEquals(value('"1" ? "a" : "b"'), "a");
  assertEquals(value('!"0"'), true);
  assertEquals(value('"0" || "1"'), true);
});
