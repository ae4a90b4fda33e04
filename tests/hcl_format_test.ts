/**
 * Formatter golden tests (`tests/golden/hcl-format/*.cw` → `.golden`;
 * UPDATE_GOLDEN=1 rewrites the goldens), idempotence over every HCL file of
 * the test corpus that parses, and agreement with `terraform fmt` over that
 * corpus: tests/fixtures/hcl/terraform_fmt.json holds what Terraform made of
 * each input (UPDATE_TERRAFORM_FMT=1 reruns Terraform, which must be on PATH).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { format } from "../src/hcl/format.ts";
import { lex } from "../src/hcl/lexer.ts";
import { parse } from "../src/hcl/parser.ts";
import { corpus as differentialCorpus } from "../scripts/gen-hcl-reference.ts";

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
    // As terraform fmt: the end of the file and its line endings stay as they are.
    assertEquals(
      /\s*$/.exec(once.text)![0].replace(/[ \t]+(?=\r?\n)/g, ""),
      /\s*$/.exec(source)![0].replace(/[ \t]+(?=\r?\n)/g, ""),
      `end of file: ${file}`,
    );
    assertEquals(lineEndings(once.text), lineEndings(source), `line endings: ${file}`);
    assertEquals(trailingSpaces(once.text, file), [], `trailing whitespace: ${file}`);
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
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    out += source.slice(t.start, t.end);
    const next = tokens[i + 1];
    if (!next) break;
    const gap = source.slice(t.end, next.start);
    // Literal text is all inside tokens, so this also re-spaces the insides
    // of template sequences. Spaces after a heredoc's closing marker belong to
    // it, and those at the end of the file are kept, as terraform fmt does.
    const adjustable = /^[ \t]+$/.test(gap) && t.type !== "Comment" &&
      next.type !== "Comment" && t.type !== "CHeredoc" && next.type !== "EOF";
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

/** The kinds of line ending a text uses. */
function lineEndings(text: string): string[] {
  return [...new Set(text.match(/\r?\n/g))].sort();
}

/**
 * Lines that end in spaces outside comments, heredoc text and the spaces
 * after a heredoc's closing marker (all of which terraform fmt keeps).
 */
function trailingSpaces(text: string, file: string): string[] {
  const tokens = lex(text, file).tokens;
  const found: string[] = [];
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i];
    const before = tokens[i - 1];
    if (t.type !== "Newline" || before.type === "CHeredoc") continue;
    const gap = text.slice(before.end, t.start);
    if (gap !== "" && gap !== "\r") found.push(text.slice(before.start, t.start));
  }
  return found;
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

// ---- agreement with terraform fmt -------------------------------------------

const terraformFixture = `${root}fixtures/hcl/terraform_fmt.json`;

interface TerraformResults {
  terraform: string;
  /** By input name: `null` when terraform fmt rejects the input, `true` when it leaves it unchanged, else its output. */
  results: Record<string, string | true | null>;
}

/** Where our output differs from terraform fmt's on purpose, by input name (and its CRLF twin), and why. */
const DIFFERENT_ON_PURPOSE = new Map<string, string>();
for (
  const [name, why] of [
    [
      "differential/149.hcl",
      'terraform unwraps nested lone interpolations (`"${"${x}"}"`) one level per run, so formatting its output changes it again; we unwrap all levels at once, to stay idempotent',
    ],
    ["differential/312.hcl", "as 149.hcl"],
    ["golden/hcl-format/label_comments.cw", "terraform deletes comments between block labels"],
    [
      "golden/hcl-format/label_escape_kept.cw",
      "terraform deletes a block label holding `$${` or `%%{`",
    ],
    [
      "golden/hcl-format/unwrap_comments_parenthesised.cw",
      "terraform unwraps a lone interpolation whose lines are broken by comments without parentheses, output that does not parse",
    ],
  ]
) {
  DIFFERENT_ON_PURPOSE.set(name, why);
  DIFFERENT_ON_PURPOSE.set(`crlf/${name}`, why);
}

/** Inputs compared with terraform fmt: the differential corpus, the goldens, and CRLF twins of the hand-written ones. */
function terraformCorpus(): Map<string, string> {
  const inputs = new Map<string, string>();
  for (const [name, text] of differentialCorpus()) inputs.set(`differential/${name}`, text);
  for (const file of [...goldenInputs, ...filesUnder(`${root}golden/hcl`, [".cw"])]) {
    inputs.set(file.slice(root.length), Deno.readTextFileSync(file));
  }
  for (const [name, text] of [...inputs]) {
    if (/\.(hcl|cw)$/.test(name)) inputs.set(`crlf/${name}`, text.replace(/\r?\n/g, "\r\n"));
  }
  return inputs;
}

/** Runs terraform fmt over the corpus and rewrites the fixture. */
async function updateTerraformResults(inputs: Map<string, string>): Promise<void> {
  const version = await new Deno.Command("terraform", { args: ["version"], stdout: "piped" })
    .output();
  const dir = await Deno.makeTempDir();
  const results: Record<string, string | true | null> = {};
  const names = [...inputs.keys()];
  let next = 0;
  const worker = async (slot: number) => {
    const sub = `${dir}/${slot}`;
    await Deno.mkdir(sub);
    for (let i = next++; i < names.length; i = next++) {
      const text = inputs.get(names[i])!;
      await Deno.writeTextFile(`${sub}/x.tf`, text);
      const run = await new Deno.Command("terraform", {
        args: ["fmt", "-no-color", "x.tf"],
        cwd: sub,
        stdout: "null",
        stderr: "null",
      }).output();
      const out = await Deno.readTextFile(`${sub}/x.tf`);
      results[names[i]] = run.code !== 0 ? null : out === text ? true : out;
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, slot) => worker(slot)));
  await Deno.remove(dir, { recursive: true });
  const sorted = Object.fromEntries(Object.keys(results).sort().map((k) => [k, results[k]]));
  const fixture: TerraformResults = {
    terraform: new TextDecoder().decode(version.stdout).split("\n")[0],
    results: sorted,
  };
  await Deno.writeTextFile(terraformFixture, JSON.stringify(fixture, null, 1) + "\n");
}

Deno.test("fmt gives what terraform fmt gives over the corpus", async () => {
  const inputs = terraformCorpus();
  if (Deno.env.get("UPDATE_TERRAFORM_FMT") === "1") await updateTerraformResults(inputs);
  const fixture: TerraformResults = JSON.parse(Deno.readTextFileSync(terraformFixture));
  const failures: string[] = [];
  let compared = 0;
  for (const [name, text] of inputs) {
    const expected = fixture.results[name];
    assert(expected !== undefined, `no terraform result for ${name}; UPDATE_TERRAFORM_FMT=1`);
    if (expected === null) continue;
    const want = expected === true ? text : expected;
    const got = format(text, name);
    if (DIFFERENT_ON_PURPOSE.has(name)) {
      assert(got.text !== want, `${name} now agrees with terraform fmt: drop it from the list`);
      continue;
    }
    compared++;
    if (got.diagnostics.length > 0) {
      failures.push(`${name}: terraform accepts it, we report ${got.diagnostics[0].summary}`);
    } else if (got.text !== want) {
      failures.push(`${name}:\n--- ours\n${got.text}\n--- terraform\n${want}`);
    }
  }
  assertEquals(failures, []);
  assert(compared >= 550, `only ${compared} inputs compared`);
});
