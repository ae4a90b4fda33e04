/**
 * Parser golden files: tests/golden/hcl/valid/*.cw must parse without
 * diagnostics and dump to their .golden AST; tests/golden/hcl/invalid/*.cw
 * must render exactly their .golden diagnostics. UPDATE_GOLDEN=1 rewrites.
 */
import assert from "node:assert/strict";
import { parse } from "../src/hcl/parser.ts";
import { dumpBody } from "../src/hcl/_parse_dump.ts";
import { renderDiagnostics, sourceMap } from "../src/hcl/diagnostics.ts";
import { SourceFile } from "../src/hcl/source.ts";

const ROOT = new URL("./golden/hcl/", import.meta.url);
const update = Deno.env.get("UPDATE_GOLDEN") === "1";

function files(dir: string): string[] {
  return [...Deno.readDirSync(new URL(dir, ROOT))].map((e) => e.name)
    .filter((n) => n.endsWith(".cw")).sort();
}

function check(path: URL, actual: string): void {
  const goldenPath = new URL(path.href.replace(/\.cw$/, ".golden"));
  if (update) {
    Deno.writeTextFileSync(goldenPath, actual);
    return;
  }
  let expected: string;
  try {
    expected = Deno.readTextFileSync(goldenPath);
  } catch {
    throw new Error(`missing ${goldenPath.pathname}; run with UPDATE_GOLDEN=1`);
  }
  assert.equal(actual, expected);
}

for (const name of files("valid/")) {
  Deno.test(`golden valid: ${name}`, () => {
    const path = new URL(`valid/${name}`, ROOT);
    const text = Deno.readTextFileSync(path);
    const { body, diagnostics } = parse(text, name);
    assert.deepEqual(diagnostics, []);
    check(path, dumpBody(body, text));
  });
}

for (const name of files("invalid/")) {
  Deno.test(`golden invalid: ${name}`, () => {
    const path = new URL(`invalid/${name}`, ROOT);
    const text = Deno.readTextFileSync(path);
    const { diagnostics } = parse(text, name);
    assert.ok(diagnostics.length > 0, "an invalid file must produce diagnostics");
    check(path, renderDiagnostics(diagnostics, sourceMap([new SourceFile(name, text)])) + "\n");
  });
}
