/**
 * HCL throughput benchmark: generated files of 100, 1k, 10k and 50k blocks;
 * MB/s for lex, parse and parse + evaluate, beside `JSON.parse` on the JSON
 * twin of the same file (its hcl2json form) and `@cdktn/hcl2json` (HashiCorp's
 * Go parser as WASM, in a subprocess with a time cap) on the sizes it
 * finishes. Also peak memory at 10k blocks, the first (cold) parse of 10k
 * blocks in a fresh process, the library's import time, and floors: what
 * reading, tokenising and allocating an AST's worth of objects cost at least.
 * Prints a Markdown table for docs/PERFORMANCE.md.
 *
 * Usage: deno run -A scripts/bench-hcl.ts [--quick] [--no-reference]
 */
import { generateConfig, WORDS } from "../src/hcl/_parse_gen.ts";
import { V8_FLAGS_ARG } from "./run_flags.ts";
import type { Body } from "../src/hcl/mod.ts";

const SIZES = [100, 1_000, 10_000, 50_000];
const REFERENCE_CAP_MS = 60_000;
const self = new URL(import.meta.url).pathname;

async function child(args: string[], timeoutMs: number): Promise<string | undefined> {
  const cmd = new Deno.Command(Deno.execPath(), {
    // Fresh processes run as the program does (its V8 heap flags), except the
    // reference parser, which is a peer measured as it comes.
    args: [
      "run",
      "-A",
      ...(args[0].startsWith("--reference") ? [] : [V8_FLAGS_ARG]),
      self,
      ...args,
    ],
    stdout: "piped",
    stderr: "inherit",
    signal: AbortSignal.timeout(timeoutMs),
  });
  try {
    const out = await cmd.output();
    return out.code === 0 ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined; // timed out
  }
}

/** Median of `runs` timings after `warm` unmeasured runs, in ms. */
function measure(fn: () => void, runs: number, warm: number): number {
  for (let i = 0; i < warm; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function peakRssMb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Variables for every root the generator uses, so evaluation does real work. */
function evalContext() {
  const o = (x: Record<string, unknown>) => Object.assign(Object.create(null), x);
  const words = [...WORDS, "port"];
  const v = o(Object.fromEntries(words.map((w) => [w, w])));
  return { variables: { var: v, local: v }, baseDir: "/tmp" };
}

async function modeReference(blocks: number) {
  const { parse } = await import("@cdktn/hcl2json");
  const src = generateConfig(42, blocks);
  const t = performance.now();
  await parse("bench.hcl", src);
  console.log(String(performance.now() - t));
}

async function modeMemory(blocks: number) {
  const { parse } = await import("../src/hcl/mod.ts");
  const src = generateConfig(42, blocks);
  const before = peakRssMb();
  const r = parse(src, "bench.cw");
  console.log(JSON.stringify({ before, after: peakRssMb(), items: r.body.items.length }));
}

/** The first parse in a fresh process, as every CLI command does it: no JIT warm-up, no GC tuning. */
async function modeCold(blocks: number) {
  const { parse } = await import("../src/hcl/mod.ts");
  const src = generateConfig(42, blocks);
  const t = performance.now();
  parse(src, "bench.cw");
  console.log(String(performance.now() - t));
}

async function modeImport() {
  const t = performance.now();
  await import("../src/hcl/mod.ts");
  console.log(String(performance.now() - t));
}

async function main() {
  const arg = (name: string) => Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  if (arg("reference")) return await modeReference(Number(arg("reference")));
  if (arg("memory")) return await modeMemory(Number(arg("memory")));
  if (arg("cold")) return await modeCold(Number(arg("cold")));
  if (Deno.args.includes("--import")) return await modeImport();

  const quick = Deno.args.includes("--quick");
  const withReference = !Deno.args.includes("--no-reference");
  const { parse, toHcl2Json, evaluate } = await import("../src/hcl/mod.ts");
  const { scan } = await import("../src/hcl/lexer.ts");
  const ctx = evalContext();
  const rows: string[] = [];
  let referenceGaveUp = !withReference;
  const ratioAt: Record<number, number> = {};
  const throughputAt: Record<number, number> = {};
  let floors: string[] = [];
  for (const blocks of SIZES) {
    const src = generateConfig(42, blocks);
    const mb = new TextEncoder().encode(src).length / 1e6;
    const first = parse(src, "bench.cw");
    if (first.diagnostics.length > 0) throw new Error(first.diagnostics[0].summary);
    const twin = JSON.stringify(toHcl2Json(first.body, src));
    const runs = quick ? 3 : blocks >= 50_000 ? 5 : blocks >= 10_000 ? 9 : 21;
    const warm = quick ? 1 : 3;
    const lexMs = measure(() => scan(src, false), runs, warm);
    const parseMs = measure(() => parse(src, "bench.cw"), runs, warm);
    const evalMs = measure(
      () => {
        const r = parse(src, "bench.cw");
        for (const item of r.body.items) {
          if (item.kind !== "Block") continue;
          for (const attr of item.body.items) {
            if (attr.kind === "Attribute") evaluate(attr.expr, ctx);
          }
        }
      },
      runs,
      warm,
    );
    const jsonMs = measure(() => JSON.parse(twin), runs, warm);
    if (blocks === 10_000) floors = measureFloors(src, first.body, jsonMs, runs, warm);
    ratioAt[blocks] = parseMs / jsonMs;
    throughputAt[blocks] = mb / (parseMs / 1000);
    rows.push(
      `| ${blocks.toLocaleString("en")} | ${mb.toFixed(2)} | ${cell(lexMs, mb)} | ${
        cell(parseMs, mb)
      } | ${cell(evalMs, mb)} | ${cell(jsonMs, mb)} | ${ratioAt[blocks].toFixed(2)}× | REFERENCE |`,
    );
  }
  // The reference runs after every measurement of ours: its Go WASM process
  // (hundreds of MB, seconds of CPU) disturbed the size measured right after it.
  for (let i = 0; i < SIZES.length; i++) {
    const blocks = SIZES[i];
    let refCell = "—";
    if (!referenceGaveUp) {
      const mb = new TextEncoder().encode(generateConfig(42, blocks)).length / 1e6;
      const out = await child([`--reference=${blocks}`], REFERENCE_CAP_MS);
      if (out === undefined) {
        referenceGaveUp = true;
        refCell = `> ${REFERENCE_CAP_MS / 1000} s (gave up)`;
      } else {
        const ms = Number(out);
        refCell = `${fmt(ms)} ms (${(mb / (ms / 1000)).toFixed(2)} MB/s)`;
      }
    }
    rows[i] = rows[i]!.replace("REFERENCE", refCell);
  }
  const memory = JSON.parse((await child(["--memory=10000"], 120_000)) ?? "{}");
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) cold.push(Number(await child(["--cold=10000"], 120_000)));
  cold.sort((a, b) => a - b);
  const imports: number[] = [];
  for (let i = 0; i < 5; i++) imports.push(Number(await child(["--import"], 30_000)));
  imports.sort((a, b) => a - b);

  console.log(
    `Measured ${
      new Date().toISOString().slice(0, 10)
    }, Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs, load average ${
      Deno.loadavg().map((x) => x.toFixed(1)).join(" ")
    }.\n`,
  );
  console.log(
    "| blocks | MB | lex | parse | parse + evaluate | JSON.parse (twin) | parse ÷ JSON.parse | @cdktn/hcl2json |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log("");
  console.log(
    `- throughput at 50k ÷ throughput at 1k: ${
      (throughputAt[50_000] / throughputAt[1_000]).toFixed(2)
    }`,
  );
  console.log(
    `- peak RSS parsing 10k blocks (fresh process): ${
      memory.after?.toFixed(0)
    } MB (before parsing: ${memory.before?.toFixed(0)} MB)`,
  );
  console.log(
    `- first parse of 10k blocks in a fresh process (what a command does): ${
      fmt(cold[2])
    } ms median of 5, best ${fmt(cold[0])} ms`,
  );
  console.log(
    `- importing src/hcl/mod.ts: ${imports[2].toFixed(1)} ms (median of 5 fresh processes)`,
  );
  console.log("\nFloors at 10k blocks, same run (what any parser in JS pays at least):\n");
  for (const line of floors) console.log(line);
}

/**
 * Lower bounds on a parse of `src` in JavaScript, each ÷ JSON.parse of the
 * twin: reading every character once; classifying every character into
 * tokens without storing any; allocating as many objects as the AST has
 * nodes, each the size of a small node, and keeping them all.
 */
function measureFloors(
  src: string,
  ast: Body,
  jsonMs: number,
  runs: number,
  warm: number,
): string[] {
  const nodes = countNodes(ast);
  const readMs = measure(() => readEveryCharacter(src), runs, warm);
  const classifyMs = measure(() => classifyCharacters(src), runs, warm);
  const allocateMs = measure(() => allocateNodes(nodes), runs, warm);
  const line = (what: string, ms: number) =>
    `- ${what}: ${fmt(ms)} ms (${(ms / jsonMs).toFixed(2)}× JSON.parse)`;
  return [
    line("reading every character once (`charCodeAt`)", readMs),
    line("splitting into tokens without storing them", classifyMs),
    line(`allocating and keeping ${nodes.toLocaleString("en")} node-sized objects`, allocateMs),
  ];
}

function readEveryCharacter(src: string): number {
  let sum = 0;
  for (let i = 0; i < src.length; i++) sum = (sum + src.charCodeAt(i)) | 0;
  return sum;
}

const CHARACTER_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  CHARACTER_CLASS[c] = /[A-Za-z0-9_-]/.test(ch) ? 1 : ch === " " || ch === "\t" ? 2 : 3;
}

/** Words and runs of spaces are one step each; every other character is a token. */
function classifyCharacters(src: string): number {
  let tokens = 0;
  let i = 0;
  const len = src.length;
  while (i < len) {
    const c = src.charCodeAt(i);
    const k = c < 128 ? CHARACTER_CLASS[c] : 1;
    i++;
    if (k === 3) {
      tokens++;
      continue;
    }
    while (i < len) {
      const d = src.charCodeAt(i);
      if ((d < 128 ? CHARACTER_CLASS[d] : 1) !== k) break;
      i++;
    }
    if (k === 1) tokens++;
  }
  return tokens;
}

class NodeSized {
  constructor(
    readonly kind: string,
    readonly filename: string,
    readonly start: number,
    readonly end: number,
    readonly child: unknown,
  ) {}
}

function allocateNodes(n: number): unknown[] {
  const kept = new Array(n);
  let previous: unknown = null;
  for (let i = 0; i < n; i++) previous = kept[i] = new NodeSized("Node", "f", i, i + 1, previous);
  return kept;
}

/** Nodes and node lists of a parsed body (every object reachable through its own fields). */
function countNodes(root: unknown): number {
  let count = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== "object") continue;
    count++;
    for (const child of Object.values(value)) stack.push(child);
  }
  return count;
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function cell(ms: number, mb: number): string {
  return `${fmt(ms)} ms (${(mb / (ms / 1000)).toFixed(1)} MB/s)`;
}

if (import.meta.main) await main();
