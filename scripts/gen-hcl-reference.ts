/**
 * Runs HashiCorp's parser (as `@cdktn/hcl2json` and `hcl2-parser`, Go compiled
 * to WASM) over the HCL differential corpus and writes the verdicts and JSON
 * to tests/fixtures/hcl/reference.json, so the differential test never needs
 * the references. Each reference runs in its own process: two Go WASM
 * packages cannot share one.
 *
 * Usage: deno run -A scripts/gen-hcl-reference.ts
 */
import { generateConfig, mutateConfig, rng } from "../src/hcl/_parse_gen.ts";

const FIXTURES = new URL("../tests/fixtures/hcl/", import.meta.url);
const CASES = new URL("cases/", FIXTURES);
export const GENERATED_SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);
export const GENERATED_BLOCKS = 12;
/** Seeded small edits of the cases and generated files: mostly invalid input. */
export const MUTATED_COUNT = 600;

export interface Verdict {
  ok: boolean;
  json?: unknown;
  error?: string;
}

/** Every input of the corpus by name: the hand-written cases, generated files, mutations. */
export function corpus(): Map<string, string> {
  const inputs = new Map<string, string>();
  const names = [...Deno.readDirSync(CASES)].map((e) => e.name).filter((n) => n.endsWith(".hcl"))
    .sort();
  for (const name of names) inputs.set(name, Deno.readTextFileSync(new URL(name, CASES)));
  for (const seed of GENERATED_SEEDS) {
    inputs.set(`generated-${seed}`, generateConfig(seed, GENERATED_BLOCKS));
  }
  const bases = [...inputs.values()];
  const next = rng(3);
  for (let i = 0; i < MUTATED_COUNT; i++) {
    const base = bases[Math.floor(next() * bases.length)];
    inputs.set(`mutated-${i}`, mutateConfig(base, next));
  }
  return inputs;
}

/**
 * The reference packages are imported through computed specifiers so that
 * tests importing `corpus()` from here never pull them into their module graph.
 */
const REFERENCE_PACKAGES: Record<string, string> = {
  cdktn: "@cdktn/hcl2json",
  hcl2parser: "hcl2-parser",
};

async function runWorker(which: string): Promise<void> {
  const out: Record<string, Verdict> = {};
  if (which === "cdktn") {
    const { parse } = await import(REFERENCE_PACKAGES.cdktn);
    for (const [name, text] of corpus()) {
      try {
        out[name] = { ok: true, json: await parse(name, text) };
      } catch (e) {
        out[name] = { ok: false, error: String(e).slice(0, 500) };
      }
    }
  } else {
    const mod = await import(REFERENCE_PACKAGES.hcl2parser);
    const hcl = (mod as any).default ?? mod;
    for (const [name, text] of corpus()) {
      try {
        const [json, err] = hcl.parseToObject(text);
        out[name] = err === null || err === undefined ? { ok: true, json } : { ok: false };
      } catch (e) {
        out[name] = { ok: false, error: String(e).slice(0, 500) };
      }
    }
  }
  console.log(JSON.stringify(out));
}

async function main(): Promise<void> {
  const worker = Deno.args.find((a) => a.startsWith("--worker="))?.slice(9);
  if (worker) return await runWorker(worker);
  const results: Record<string, Record<string, Verdict>> = {};
  for (const which of ["cdktn", "hcl2parser"]) {
    const cmd = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, `--worker=${which}`],
      stdout: "piped",
      stderr: "inherit",
    });
    const { code, stdout } = await cmd.output();
    if (code !== 0) throw new Error(`${which} reference run failed with exit code ${code}`);
    results[which] = JSON.parse(new TextDecoder().decode(stdout));
  }
  const merged: Record<string, { cdktn: Verdict; hcl2parser: Verdict }> = {};
  for (const name of corpus().keys()) {
    merged[name] = { cdktn: results.cdktn[name], hcl2parser: results.hcl2parser[name] };
  }
  Deno.writeTextFileSync(
    new URL("reference.json", FIXTURES),
    JSON.stringify(merged, null, 1) + "\n",
  );
  console.log(`wrote ${Object.keys(merged).length} reference results`);
}

if (import.meta.main) await main();
