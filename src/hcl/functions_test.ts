import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { evaluate } from "./eval.ts";
import { standardFunctions } from "./functions.ts";
import { parseExpression } from "./parser.ts";
import { isSensitive, Sensitive, UNKNOWN, type Value } from "./value.ts";

const dir = Deno.makeTempDirSync({ prefix: "cw-fn-" });
Deno.writeTextFileSync(`${dir}/hello.txt`, "hello\n");
Deno.writeTextFileSync(
  `${dir}/greeting.tpl`,
  "Hello, ${name}!\n%{ for p in ports ~}\nport ${p}\n%{ endfor ~}\n",
);
Deno.writeTextFileSync(`${dir}/bad.tpl`, "${nope}");
Deno.writeTextFileSync(`${dir}/broken.tpl`, "line one\nline two %{ if }\n");
Deno.writeTextFileSync(`${dir}/raw.tpl`, "${upper(x)}");
Deno.writeFileSync(`${dir}/binary.bin`, new Uint8Array([0xff, 0xfe, 0x00]));
Deno.mkdirSync(`${dir}/sub`);

const o = (x: Record<string, Value>) => Object.assign(Object.create(null), x);
const variables = {
  m: o({ b: 2, a: 1 }),
  u: UNKNOWN,
  s: new Sensitive("secret"),
};

function run(src: string) {
  const p = parseExpression(src, "f.cw");
  assertEquals(p.diagnostics, [], `parse ${src}`);
  return evaluate(p.expr, { variables, baseDir: dir });
}

/** [expression, expected value] */
const ok: [string, Value][] = [
  [`length("héllo👍🏽")`, 6],
  [`length([1, 2])`, 2],
  [`length({a = 1})`, 1],
  [`join(", ", ["a", "b"], ["c"])`, "a, b, c"],
  [`split(",", "a,b,,c")`, ["a", "b", "", "c"]],
  [`split(",", "")`, [""]],
  [`lower("ÀBC")`, "àbc"],
  [`upper("abc")`, "ABC"],
  // One character to one, as Go (and Terraform) map case: no "SS" for "ß".
  [`upper("straße")`, "STRAßE"],
  [`lower("İSTANBUL")`, "istanbul"],
  [`title("ßa straße")`, "ßa Straße"],
  [`title("hello wide-world")`, "Hello Wide-World"],
  [`format("%s=%d", "n", 5)`, "n=5"],
  [`format("%5.1f|%-5s|%05d|%+d", 3.14159, "ab", 42, 7)`, "  3.1|ab   |00042|+7"],
  [`format("%q %v %v %t %%", "x", [1, "a"], 1.5, true)`, `"x" [1,"a"] 1.5 true %`],
  [`format("%x %X %o %b %e", 255, 255, 8, 5, 1234.5)`, "ff FF 10 101 1.234500e+03"],
  [`format("%[2]s %[1]s", "a", "b")`, "b a"],
  [`format("%x", "hi")`, "6869"],
  [`replace("a-b-c", "-", "+")`, "a+b+c"],
  [`replace("v1.2.3", "/v(\\\\d+)\\\\.(\\\\d+).*/", "$2.$1")`, "2.1"],
  [`replace("key=val", "/(?P<k>\\\\w+)=(?P<v>\\\\w+)/", "$\${v}:$\${k}")`, "val:key"],
  [`trimspace("  x y \\n")`, "x y"],
  [`trim("?!hi!?", "!?")`, "hi"],
  [`trimprefix("helloworld", "hello")`, "world"],
  [`trimsuffix("helloworld", "world")`, "hello"],
  [`substr("hello world", 1, 4)`, "ello"],
  [`substr("hello", -3, -1)`, "llo"],
  [`substr("hello", 10, 2)`, ""],
  [`concat(["a"], [], ["b", "c"])`, ["a", "b", "c"]],
  [`merge({a = 1, b = 2}, null, {b = 3})`, o({ a: 1, b: 3 })],
  [`keys(m)`, ["a", "b"]],
  [`values(m)`, [1, 2]],
  [`lookup(m, "a")`, 1],
  [`lookup(m, "z", "dflt")`, "dflt"],
  [`contains(["a", {x = 1}], {x = 1})`, true],
  [`contains([1, 2], 3)`, false],
  [`element(["a", "b", "c"], 4)`, "b"],
  [`index(["a", "b"], "b")`, 1],
  [`range(3)`, [0, 1, 2]],
  [`range(1, 4)`, [1, 2, 3]],
  [`range(10, 0, -3)`, [10, 7, 4, 1]],
  [`range(0, 1, 0.25)`, [0, 0.25, 0.5, 0.75]],
  [`flatten([[1, [2]], [], 3])`, [1, 2, 3]],
  [`distinct([1, 2, 1, "1", [1], [1]])`, [1, 2, "1", [1]]],
  [`sort(["b", "a", "c"])`, ["a", "b", "c"]],
  [`sort([10, 9])`, ["10", "9"]],
  [`toset(["b", "a", "b"])`, ["a", "b"]],
  [`toset(["a", 1])`, ["1", "a"]],
  [`reverse([1, 2, 3])`, [3, 2, 1]],
  [`slice(["a", "b", "c", "d"], 1, 3)`, ["b", "c"]],
  [`zipmap(["a", "b"], [1, 2])`, o({ a: 1, b: 2 })],
  [`coalesce(null, "", "x", "y")`, "x"],
  [`coalesce(null, 1, "a")`, "1"],
  [`min(3, 1, 2)`, 1],
  [`max(3, "7", 2)`, 7],
  [`abs(-2.5)`, 2.5],
  [`ceil(1.2)`, 2],
  [`floor(-1.2)`, -2],
  [`tostring(12.5)`, "12.5"],
  [`tostring(true)`, "true"],
  [`tostring(null)`, null],
  [`tonumber("0.5")`, 0.5],
  [`tobool("true")`, true],
  [`tolist(["a", 1, true])`, ["a", "1", "true"]],
  [`tomap({a = 1, b = "x"})`, o({ a: "1", b: "x" })],
  [
    `jsonencode({b = [1, true, null], a = "<&>"})`,
    `{"a":"\\u003c\\u0026\\u003e","b":[1,true,null]}`,
  ],
  [`jsondecode("{\\"a\\": [1, 2.5, \\"x\\", null, false]}")`, o({ a: [1, 2.5, "x", null, false] })],
  [
    `yamlencode({b = [1, "x"], a = {c = true}, e = []})`,
    `"a":\n  "c": true\n"b":\n- 1\n- "x"\n"e": []\n`,
  ],
  [
    `yamldecode("a: 1\\nb:\\n  - x\\n  - y: 2\\n    z: [1, 'q']\\nc: |\\n  line1\\n  line2\\nd: \\"t\\\\u00e9\\" # note\\n")`,
    o({ a: 1, b: ["x", o({ y: 2, z: [1, "q"] })], c: "line1\nline2\n", d: "té" }),
  ],
  [`yamldecode("- 1\\n- true\\n- ~\\n- 2.5\\n- hello world")`, [1, true, null, 2.5, "hello world"]],
  [`yamldecode("")`, null],
  [
    `yamldecode("base: &b {a: 1, b: 2}\\nderived:\\n  <<: *b\\n  b: 3\\nids: [!!str 7, *b]")`,
    o({ base: o({ a: 1, b: 2 }), derived: o({ b: 3, a: 1 }), ids: ["7", o({ a: 1, b: 2 })] }),
  ],
  [`base64encode("héllo")`, "aMOpbGxv"],
  [`base64decode("aMOpbGxv")`, "héllo"],
  [`sha256("")`, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  [`sha256("hello")`, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"],
  [`md5("")`, "d41d8cd98f00b204e9800998ecf8427e"],
  [`md5("The quick brown fox jumps over the lazy dog")`, "9e107d9d372bb6826bd81d3542a419d6"],
  [`file("hello.txt")`, "hello\n"],
  [`filesha256("hello.txt")`, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"],
  [`fileexists("hello.txt")`, true],
  [`fileexists("missing.txt")`, false],
  [
    `templatefile("greeting.tpl", {name = "Ada", ports = [80, 443]})`,
    "Hello, Ada!\nport 80\nport 443\n",
  ],
  [`templatefile("raw.tpl", {x = "a"})`, "A"],
  [`abspath("a/../b")`, `${dir}/b`],
  [`abspath("/x/./y/")`, "/x/y"],
  [`basename("/a/b.txt")`, "b.txt"],
  [`basename("/a/b/")`, "b"],
  [`dirname("/a/b/c.txt")`, "/a/b"],
  [`dirname("c.txt")`, "."],
  [`regex("[a-z]+", "123abc456")`, "abc"],
  [`regex("(\\\\d+)-(\\\\d+)", "x 10-20")`, ["10", "20"]],
  [`regex("(?P<y>\\\\d{4})-(?P<m>\\\\d{2})", "2024-05")`, o({ y: "2024", m: "05" })],
  [`regex("(?i)^ABC", "abcd")`, "abc"],
  [`regexall("\\\\d", "a1b2")`, ["1", "2"]],
  [`regexall("x", "abc")`, []],
  [`startswith("hello", "he")`, true],
  [`endswith("hello", "he")`, false],
  [`try(m.zz, "d")`, "d"],
  [`compact(["a", "", null, "b"])`, ["a", "b"]],
  [`coalescelist([], [1], [2])`, [1]],
  [`chunklist([1, 2, 3], 2)`, [[1, 2], [3]]],
  [`one([])`, null],
  [`one(["x"])`, "x"],
  [`alltrue([true, "true"])`, true],
  [`anytrue([false, false])`, false],
  [`sum([1, 2.5, "3"])`, 6.5],
  [`setunion(["b"], ["a", "b"])`, ["a", "b"]],
  [`setintersection(["a", "b"], ["b", "c"])`, ["b"]],
  [`setsubtract(["a", "b"], ["b"])`, ["a"]],
  [`formatlist("%s=%d", ["a", "b"], [1, 2])`, ["a=1", "b=2"]],
  [`formatlist("x-%s", "y")`, ["x-y"]],
  [`strrev("abc👍🏽")`, "👍🏽cba"],
  [`strcontains("hello", "ell")`, true],
  [`pow(2, 10)`, 1024],
  [`signum(-3)`, -1],
  [`parseint("ff", 16)`, 255],
  [`parseint("-101", 2)`, -5],
  [`urlencode("a b&c=d/é")`, "a+b%26c%3Dd%2F%C3%A9"],
  [`sha1("hello")`, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"],
  [`base64sha256("hello")`, "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="],
  [`filebase64("hello.txt")`, "aGVsbG8K"],
  [`nonsensitive(s)`, "secret"],
  [`sensitive("x")`, new Sensitive("x")],
  [`chomp("x\\n\\r\\n")`, "x"],
  [`indent(2, "a\\nb")`, "a\n  b"],
  [`log(8, 2)`, 3],
  [`transpose({a = ["1", "2"], b = ["2"]})`, o({ "1": ["a"], "2": ["a", "b"] })],
  [`matchkeys(["i1", "i2", "i3"], ["a", "b", "a"], ["a"])`, ["i1", "i3"]],
  [`can(m.a)`, true],
];

/** [expression, fragment of the diagnostic, text the diagnostic points at] */
const bad: [string, string, string?][] = [
  [`length(5)`, "collection or string required", "5"],
  [`join(",", ["a", null])`, "element 1 is null", `["a", null]`],
  [`split(",", ["a"])`, "string required", `["a"]`],
  [`lower({})`, "string required, got object", "{}"],
  [`upper(null)`, "must not be null", "null"],
  [`title([])`, "string required", "[]"],
  [`format("%d", "x")`, "number required", `"x"`],
  [`format("%d", 1.5)`, "whole number", "1.5"],
  [`format("%s %s", "a")`, "too few arguments"],
  [`replace("a", "/(/", "b")`, "invalid regular expression", `"/(/"`],
  [`trimspace(1, 2)`, "Too many function arguments", "2"],
  [`trim("a")`, "Not enough function arguments"],
  [`trimprefix([], "a")`, "string required", "[]"],
  [`trimsuffix("a", {})`, "string required", "{}"],
  [`substr("abc", 0.5, 1)`, "whole number", "0.5"],
  [`concat([1], "x")`, "list required", `"x"`],
  [`merge({}, [1])`, "map or object required", "[1]"],
  [`keys([1])`, "map or object required", "[1]"],
  [`values("x")`, "map or object required", `"x"`],
  [`lookup(m, "zz")`, `"zz" is not present`, `"zz"`],
  [`contains("abc", "a")`, "list required", `"abc"`],
  [`element([], 0)`, "empty list", "[]"],
  [`index(["a"], "z")`, "item not found", `"z"`],
  [`range(0, 10, 0)`, "step must not be zero", "0"],
  [`range(2000)`, "limited to 1024"],
  [`flatten("x")`, "list required", `"x"`],
  [`distinct(1)`, "list required", "1"],
  [`sort([[1]])`, "sort requires strings"],
  [`toset("a")`, "list required"],
  [`reverse({})`, "list required"],
  [`slice([1, 2], 1, 5)`, "end_index", "5"],
  [`zipmap(["a"], [1, 2])`, "does not match", "[1, 2]"],
  [`coalesce(null, "")`, "no non-null"],
  [`try()`, "at least 1 argument"],
  [`can(1, 2)`, "exactly 1 argument"],
  [`min()`, "Not enough function arguments"],
  [`max("a", 1)`, "a number is required", `"a"`],
  [`abs("x")`, "a number is required", `"x"`],
  [`ceil(true)`, "number required", "true"],
  [`floor([])`, "number required", "[]"],
  [`tostring([1])`, "cannot convert tuple to string", "[1]"],
  [`tonumber("12abc")`, "cannot convert", `"12abc"`],
  [`tobool("yes")`, "cannot convert", `"yes"`],
  [`tolist({a = 1})`, "list required"],
  [`tomap({a = [1], b = "x"})`, "same type"],
  [`jsonencode()`, "Not enough function arguments"],
  [`jsondecode("{nope")`, "invalid JSON", `"{nope"`],
  [`yamlencode(1, 2)`, "Too many function arguments"],
  [`yamldecode("a: 1\\n---\\nb: 2")`, "multiple documents"],
  [`yamldecode("a: *missing")`, 'unknown alias "*missing"'],
  [`base64encode([])`, "string required"],
  [`base64decode("!!")`, "not valid base64"],
  [`sha256({})`, "string required"],
  [`md5([])`, "string required"],
  [`file("missing.txt")`, "no file exists", `"missing.txt"`],
  [`file("binary.bin")`, "not valid UTF-8"],
  [`file("sub")`, "is a directory"],
  [`filesha256("missing.txt")`, "no file exists"],
  [`fileexists("sub")`, "is a directory"],
  [`templatefile("bad.tpl", {})`, 'There is no variable named "nope"'],
  [`templatefile("greeting.tpl", [])`, "map or object required"],
  [`templatefile("broken.tpl", {})`, "broken.tpl:2:"],
  [`abspath(1, 2)`, "Too many"],
  [`basename([])`, "string required"],
  [`dirname({})`, "string required"],
  [`regex("x", "abc")`, "did not match", `"abc"`],
  [`regexall("(", "abc")`, "invalid regular expression", `"("`],
  [`startswith(1)`, "Not enough"],
  [`endswith([], "a")`, "string required"],
  [`compact("x")`, "list required"],
  [`coalescelist([], [])`, "no non-empty list"],
  [`chunklist([1], -1)`, "must be positive", "-1"],
  [`one([1, 2])`, "no more than one element"],
  [`alltrue([1])`, "bool required"],
  [`anytrue([null])`, "element 0 is null"],
  [`sum([])`, "empty list"],
  [`setunion("a")`, "list required"],
  [`setintersection(1)`, "list required"],
  [`setsubtract([1], "x")`, "list required", `"x"`],
  [`formatlist("%s", ["a"], ["b", "c"])`, "same length", `["b", "c"]`],
  [`strrev(1, 2)`, "Too many"],
  [`strcontains([], "a")`, "string required"],
  [`pow("x", 2)`, "a number is required"],
  [`signum([])`, "number required"],
  [`parseint("12z", 10)`, "cannot parse"],
  [`urlencode({})`, "string required"],
  [`sha1([])`, "string required"],
  [`base64sha256({})`, "string required"],
  [`filebase64("missing.txt")`, "no file exists"],
  [`sensitive()`, "Not enough"],
  [`chomp([])`, "string required"],
  [`indent(-1, "x")`, "must not be negative", "-1"],
  [`log("x", 2)`, "a number is required"],
  [`transpose({a = "x"})`, "not a list of strings"],
  [`matchkeys([1], [1, 2], [1])`, "should be equal", "[1, 2]"],
  [`nonsensitive(1, 2)`, "exactly 1 argument"],
];

Deno.test("every standard function has a passing case and an error case", () => {
  const names = new Set<string>();
  for (const [src] of [...ok, ...bad]) {
    const m = /^(\w+)\(/.exec(src);
    if (m) names.add(m[1]);
  }
  const missing = Object.keys(standardFunctions).filter((n) => !names.has(n));
  assertEquals(missing, []);
  for (const [src] of bad) assert(ok.some(([s]) => s.startsWith(src.split("(")[0] + "(")), src);
});

for (const [src, expected] of ok) {
  Deno.test(`fn ok: ${src}`, () => {
    const res = run(src);
    assertEquals(res.diagnostics.map((d) => d.summary), [], src);
    assertEquals(res.value, expected);
  });
}

for (const [src, fragment, subject] of bad) {
  Deno.test(`fn error: ${src}`, () => {
    const res = run(src);
    assertEquals(res.diagnostics.length, 1, JSON.stringify(res.diagnostics));
    const d = res.diagnostics[0];
    assert(d.code === "CW1106", d.code);
    assert(d.summary.includes(fragment), `"${d.summary}" lacks "${fragment}"`);
    if (subject !== undefined) assertEquals(src.slice(d.subject!.start, d.subject!.end), subject);
  });
}

Deno.test("sensitive() marks and nonsensitive() unmarks", () => {
  assert(isSensitive(run(`sensitive("x")`).value));
  assert(isSensitive(run(`upper(sensitive("x"))`).value));
  const plain = run(`nonsensitive(upper(s))`).value;
  assertEquals(plain, "SECRET");
});

Deno.test("function results derived from sensitive arguments stay sensitive", () => {
  const res = run(`upper(s)`);
  assert(isSensitive(res.value));
  assertEquals((res.value as Sensitive).value, "SECRET");
  assert(isSensitive(run(`merge({a = s}, {b = 1})`).value));
});

Deno.test("unknown arguments give unknown results except for element-moving functions", () => {
  assertEquals(run(`upper(u)`).value, UNKNOWN);
  assertEquals(run(`jsonencode({a = u})`).value, UNKNOWN);
  assertEquals(run(`length([u, u])`).value, 2);
  assertEquals(run(`concat([u], [1])`).value, [UNKNOWN, 1]);
  assertEquals(run(`lookup({a = u, b = 1}, "b")`).value, 1);
});

Deno.test("every evaluator and library module can be imported first (no import-cycle hazards)", async () => {
  const modules = [
    "eval.ts",
    "functions.ts",
    "format.ts",
    "_eval_values.ts",
    "_eval_errors.ts",
    "_fn_support.ts",
    "_fn_format.ts",
    "_fn_encoding.ts",
    "_fn_files.ts",
    "_fn_yaml.ts",
  ];
  const results = await Promise.all(modules.map(async (m) => {
    const url = new URL(`./${m}`, import.meta.url).href;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", `await import(${JSON.stringify(url)});`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { m, code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  }));
  for (const r of results) assertEquals(r.code, 0, `${r.m}: ${r.stderr}`);
});
