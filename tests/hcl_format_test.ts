/**
 * Formatter golden tests (`tests/golden/hcl-format/*.cw` → `.golden`;
 * UPDATE_GOLDEN=1 rewrites the goldens) and idempotence over every HCL file
 * of the test corpus that parses.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { format } from "../src/hcl/format.ts";
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

Deno.test("fmt returns unparseable input unchanged with diagnostics", () => {
  const source = "a = {\n  b = \n";
  const r = format(source, "bad.cw");
  assertEquals(r.text, source);
  assert(r.diagnostics.length > 0);
});

function stripHeredocs(text: string): string {
  return text.replace(/<<-?(\w+)\n[\s\S]*?\n\s*\1\n/g, "HEREDOC\n");
}

/** Non-whitespace token texts, so formatting provably changed only spacing. */
function tokensOf(text: string, file: string): string {
  const p = parse(text, file);
  return JSON.stringify(p.body, (k, v) => (k === "range" || k.endsWith("Range") ? undefined : v));
}
