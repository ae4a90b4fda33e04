/**
 * Formatter golden tests (`tests/golden/hcl-format/*.cw` → `.golden`;
 * UPDATE_GOLDEN=1 rewrites the goldens) and idempotence over every HCL file
 * of the test corpus that parses.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { format } from "../src/hcl/format.ts";
import { lex } from "../src/hcl/lexer.ts";
import { parse } from "../src/hcl/parser.ts";

const root = new URL("./", import.meta.url).pathname;
const goldenDir = `${root}golden/hcl-format`;
const update = Deno.env.get("UPDATE_GOLDEN") === "1";

function filesUnder(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return out;
  }
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...filesUnder(path, exts));
    else if (exts.some((x) => e.name.endsWith(x))) out.push(path);
  }
  return out.sort();
}

const goldenInputs = filesUnder(goldenDir, [".cw"]);

Deno.test("hcl-format golden corpus is present", () => {
  assert(goldenInputs.length >= 8, `only ${goldenInputs.length} golden inputs`);
});

for (const input of goldenInputs) {
  const name = input.slice(goldenDir.length + 1);
  Deno.test(`fmt golden: ${name}`, () => {
    const source = Deno.readTextFileSync(input);
    const result = format(source, name);
    const rendered = result.diagnostics.length === 0
      ? result.text
      : `${result.text}\n--- diagnostics ---\n${
        result.diagnostics.map((d) => `${d.code} ${d.summary}`).join("\n")
      }\n`;
    const goldenPath = input.replace(/\.cw$/, ".golden");
    if (update) Deno.writeTextFileSync(goldenPath, rendered);
    assertEquals(rendered, Deno.readTextFileSync(goldenPath));
  });
}

const corpus = [
  ...goldenInputs,
  ...filesUnder(`${root}golden/hcl`, [".cw"]),
  ...filesUnder(`${root}fixtures/hcl`, [".cw", ".hcl"]),
];

Deno.test(`fmt is idempotent and keeps the meaning over ${corpus.length} corpus files`, () => {
  let checked = 0;
  for (const file of corpus) {
    const source = Deno.readTextFileSync(file);
    if (parse(source, file).diagnostics.some((d) => d.severity === "error")) continue;
    const once = format(source, file);
    assertEquals(once.diagnostics, [], file);
    const twice = format(once.text, file);
    assertEquals(twice.text, once.text, `not idempotent: ${file}`);
    assert(
      once.text === "" || (once.text.endsWith("\n") && !once.text.endsWith("\n\n")),
      `final newline: ${file}`,
    );
    assert(!/[ \t]+\n/.test(stripHeredocs(once.text)), `trailing whitespace: ${file}`);
    assertEquals(tokensOf(once.text, file), tokensOf(source, file), `tokens changed: ${file}`);
    checked++;
  }
  assert(checked >= 20, `only ${checked} corpus files parsed`);
});

/** Punctuation that can touch its neighbours without changing how the file lexes. */
const TIGHT = new Set([
  "Equal",
  "Comma",
  "OBrace",
  "CBrace",
  "OBrack",
  "CBrack",
  "OParen",
  "CParen",
  "Plus",
  "Percent",
  "Colon",
  "Question",
  "FatArrow",
  "EqualOp",
  "NotEqual",
  "And",
  "Or",
]);

/** Re-spaces a file at random (seeded) between tokens, leaving newlines and literals alone. */
function perturb(source: string, file: string, seed: number): string {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const tokens = lex(source, file).tokens;
  let out = source.slice(0, tokens[0]?.start ?? 0);
  let inHeredoc = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === "OHeredoc") inHeredoc = true;
    if (t.type === "CHeredoc") inHeredoc = false;
    out += source.slice(t.start, t.end);
    const next = tokens[i + 1];
    if (!next) break;
    const gap = source.slice(t.end, next.start);
    const adjustable = !inHeredoc && /^[ \t]+$/.test(gap) && t.type !== "Comment" &&
      next.type !== "Comment";
    if (!adjustable) out += gap;
    else if (TIGHT.has(t.type) || TIGHT.has(next.type)) {
      out += random() < 0.4 ? "" : " \t  ".slice(0, 1 + Math.floor(random() * 4));
    } else out += " ".repeat(1 + Math.floor(random() * 3));
  }
  return out;
}

Deno.test("fmt output does not depend on the spacing between tokens", () => {
  let checked = 0;
  for (const file of corpus) {
    const source = Deno.readTextFileSync(file);
    if (parse(source, file).diagnostics.some((d) => d.severity === "error")) continue;
    const expected = format(source, file).text;
    for (let seed = 1; seed <= 3; seed++) {
      const variant = perturb(source, file, seed * 7919 + checked);
      const got = format(variant, file);
      assertEquals(got.diagnostics.map((d) => d.summary), [], `${file} seed ${seed}`);
      assertEquals(got.text, expected, `${file} seed ${seed}:\n${variant}`);
    }
    checked++;
  }
  assert(checked >= 20);
});

Deno.test("fmt returns unparseable input unchanged with diagnostics", () => {
  const source = "a = {\n  b = \n";
  const r = format(source, "bad.cw");
  assertEquals(r.text, source);
  assert(r.diagnostics.length > 0);
});

function stripHeredocs(text: string): string {
  return text.replace(/<<-?(\w+)\n[\s\S]*?\n\s*\1\n/g, "HEREDOC\n");
}

/**
 * The file's AST without positions, modulo terraform fmt's rewrites (quoted
 * labels, unwrapped lone interpolations, legacy variable types), so
 * formatting provably changed nothing else.
 */
function tokensOf(text: string, file: string): string {
  const p = parse(text, file);
  return JSON.stringify(p.body, (k, v) => {
    // Offsets (`start`, `nameEnd`, …) back the range getters of parsed nodes.
    if (k === "range" || k.endsWith("Range") || k === "quoted") return undefined;
    if (k === "filename" || /^(start|end)$|[a-z](Start|End)$/.test(k)) return undefined;
    if (v && v.kind === "Attribute" && v.name === "type") return { ...v, expr: "(type)" };
    // `provider:: ns :: fn` keeps its spaces in the AST; fmt closes them up.
    if (v && v.kind === "Call") return { ...v, name: v.name.replace(/\s+/g, "") };
    for (;;) {
      if (v && v.kind === "Parens") v = v.expr;
      else if (
        v && v.kind === "Template" && !v.heredoc && v.parts.length === 1 &&
        v.parts[0].kind === "TemplateInterpolation"
      ) {
        v = v.parts[0].expr;
        // The replacer's result is not passed through toJSON: do it here.
        if (typeof v.toJSON === "function") v = v.toJSON();
      } else return v;
    }
  });
}
