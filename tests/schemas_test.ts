/**
 * schemas/ must match what scripts/gen_schemas.ts generates from the valibot
 * schemas; run `deno task schemas` after changing a stage's types.
 */
import { equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { generateSchemas, schemasDir } from "../scripts/gen_schemas.ts";

Deno.test("schemas/ is up to date with the valibot schemas", () => {
  const generated = generateSchemas();
  ok(generated.size >= 8);
  for (const [name, text] of generated) {
    let current = "";
    try {
      current = Deno.readTextFileSync(join(schemasDir, name));
    } catch { /* missing file: reported by the comparison */ }
    equal(current, text, `schemas/${name} is stale: run \`deno task schemas\``);
  }
});

Deno.test("schema generation is deterministic", () => {
  const a = generateSchemas();
  const b = generateSchemas();
  equal([...a.entries()].join("\n"), [...b.entries()].join("\n"));
});
