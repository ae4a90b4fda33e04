/**
 * Differential test against HashiCorp's parser: our accept/reject verdict and
 * `toHcl2Json` output must equal the committed reference results of
 * `@cdktn/hcl2json` (regenerate with `deno run -A scripts/gen-hcl-reference.ts`).
 * Where `hcl2-parser` (an older HCL build) agrees with it, that verdict holds too.
 */
import assert from "node:assert/strict";
import { parse } from "../src/hcl/parser.ts";
import { convertToHcl2Json } from "../src/hcl/hcl2json.ts";
import { corpus, type Verdict } from "../scripts/gen-hcl-reference.ts";

const reference: Record<string, { cdktn: Verdict; hcl2parser: Verdict }> = JSON.parse(
  Deno.readTextFileSync(new URL("./fixtures/hcl/reference.json", import.meta.url)),
);

function ours(name: string, text: string): Verdict {
  const r = parse(text, name);
  if (r.diagnostics.some((d) => d.severity === "error")) {
    return { ok: false, error: r.diagnostics.map((d) => `${d.code} ${d.summary}`).join("; ") };
  }
  const j = convertToHcl2Json(r.body, text);
  if (j.diagnostics.length > 0) return { ok: false, error: j.diagnostics[0].summary };
  return { ok: true, json: j.value };
}

Deno.test("differential: corpus has at least 150 hand-written cases and generated files", () => {
  const names = [...corpus().keys()];
  assert.ok(names.filter((n) => n.endsWith(".hcl")).length >= 150);
  assert.ok(names.filter((n) => n.startsWith("generated-")).length >= 20);
  assert.ok(names.filter((n) => n.startsWith("mutated-")).length >= 500);
  for (const n of names) assert.ok(reference[n], `no reference result for ${n}; rerun the script`);
});

Deno.test("differential: verdicts and hcl2json output equal HashiCorp's", () => {
  const failures: string[] = [];
  let compared = 0;
  for (const [name, text] of corpus()) {
    const ref = reference[name];
    if (!ref) continue;
    const got = ours(name, text);
    compared++;
    if (got.ok !== ref.cdktn.ok) {
      failures.push(
        `${name}: we ${got.ok ? "accept" : `reject (${got.error})`}, reference ${
          ref.cdktn.ok ? "accepts" : `rejects (${ref.cdktn.error})`
        }`,
      );
    } else if (got.ok && JSON.stringify(got.json) !== JSON.stringify(ref.cdktn.json)) {
      failures.push(
        `${name}: JSON differs\n  ours: ${JSON.stringify(got.json)}\n  ref:  ${
          JSON.stringify(ref.cdktn.json)
        }`,
      );
    }
    if (ref.hcl2parser && ref.hcl2parser.ok === ref.cdktn.ok && got.ok !== ref.hcl2parser.ok) {
      failures.push(`${name}: verdict differs from hcl2-parser too`);
    }
  }
  assert.ok(compared > 1000);
  assert.deepEqual(failures, []);
});
