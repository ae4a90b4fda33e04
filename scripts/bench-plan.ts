/**
 * Planning benchmark: generated configurations of N resources with
 * references between them; whole-process wall time of `clockwork validate`
 * and `clockwork plan --json`, side by side with `terraform plan` of the same
 * number of `terraform_data` resources (built in, so no provider download).
 *
 * Usage: deno run -A scripts/bench-plan.ts [--sizes 1000,10000,50000]
 *          [--runs 3] [--terraform-max 10000] [--terraform-runs 1] [--no-terraform]
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { RUN_FLAGS } from "./run_flags.ts";

const repo = fileURLToPath(new URL("../", import.meta.url));
const TERRAFORM = "/usr/local/bin/terraform";
const FILES = 10;

/** A chain of ten resources per group: each one refers to the previous one's path. */
export function clockworkConfig(n: number): Map<string, string> {
  const files = new Map<string, string>();
  const per = Math.ceil(n / FILES);
  for (let f = 0; f < FILES; f++) {
    const out: string[] = [];
    for (let i = f * per; i < Math.min(n, (f + 1) * per); i++) {
      const content = i % 10 === 0 ? `"resource ${i}"` : `"after \${file.r${i - 1}.path}"`;
      out.push(
        `resource "file" "r${i}" {\n  path    = "\${local.out}/r${i}.txt"\n  content = ${content}\n  mode    = "0644"\n}\n`,
      );
    }
    files.set(`r${String(f).padStart(2, "0")}.cw`, out.join("\n"));
  }
  files.set("main.cw", 'locals {\n  out = "${path.root}/out"\n}\n');
  return files;
}

export function terraformConfig(n: number): Map<string, string> {
  const files = new Map<string, string>();
  const per = Math.ceil(n / FILES);
  for (let f = 0; f < FILES; f++) {
    const out: string[] = [];
    for (let i = f * per; i < Math.min(n, (f + 1) * per); i++) {
      const input = i % 10 === 0 ? `"resource ${i}"` : `"after \${terraform_data.r${i - 1}.input}"`;
      out.push(`resource "terraform_data" "r${i}" {\n  input = ${input}\n}\n`);
    }
    files.set(`r${String(f).padStart(2, "0")}.tf`, out.join("\n"));
  }
  return files;
}

async function writeAll(dir: string, files: Map<string, string>): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, text] of files) await Deno.writeTextFile(join(dir, name), text);
}

interface Timing {
  /** Wall-clock time. */
  wall: number;
  /** User + system CPU time of the process: what the run costs on a busy machine. */
  cpu: number;
}

/** Runs a command under /usr/bin/time for its CPU time, beside the wall time. */
async function timed(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Timing> {
  const start = performance.now();
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "CPU %U %S", cmd, ...args],
    cwd,
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  const wall = performance.now() - start;
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(runs: number, f: () => Promise<Timing>): Promise<Timing> {
  const times: Timing[] = [];
  for (let i = 0; i < runs; i++) times.push(await f());
  return { wall: median(times.map((t) => t.wall)), cpu: median(times.map((t) => t.cpu)) };
}

const ms = (t: Timing) => `${Math.round(t.wall)} ms (cpu ${Math.round(t.cpu)} ms)`;
const seconds = (t: Timing) =>
  `${(t.wall / 1000).toFixed(2)} s (cpu ${(t.cpu / 1000).toFixed(2)} s)`;

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sizes: { type: "string", default: "1000,10000,50000" },
      runs: { type: "string", default: "3" },
      "terraform-max": { type: "string", default: "10000" },
      "terraform-runs": { type: "string", default: "1" },
      "no-terraform": { type: "boolean", default: false },
    },
  });
  const sizes = values.sizes.split(",").map(Number);
  const runs = Number(values.runs);
  const tfMax = values["no-terraform"] ? 0 : Number(values["terraform-max"]);
  const cw = [
    "run",
    ...RUN_FLAGS,
    "--config",
    join(repo, "deno.json"),
    join(repo, "main.ts"),
  ];
  const rows: string[][] = [];
  const base = await Deno.makeTempDir({ prefix: "cw-bench-plan-" });
  try {
    for (const n of sizes) {
      const dir = join(base, `cw-${n}`);
      await writeAll(dir, clockworkConfig(n));
      // Warm Deno's module and code caches (plan loads modules validate does not), so the
      // first timed run measures the same thing as the rest.
      await timed(Deno.execPath(), [...cw, "validate"], dir);
      await timed(Deno.execPath(), [...cw, "plan", "--json"], dir);
      const validate = await measure(runs, () => timed(Deno.execPath(), [...cw, "validate"], dir));
      const plan = await measure(
        runs,
        () => timed(Deno.execPath(), [...cw, "plan", "--json"], dir),
      );
      let tf = "not run";
      if (n <= tfMax) {
        const tdir = join(base, `tf-${n}`);
        await writeAll(tdir, terraformConfig(n));
        const env = { TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", HOME: base };
        await timed(TERRAFORM, ["init", "-input=false", "-no-color"], tdir, env);
        const t = await measure(
          Number(values["terraform-runs"]),
          () => timed(TERRAFORM, ["plan", "-input=false", "-no-color", "-lock=false"], tdir, env),
        );
        tf = seconds(t);
      }
      const row = [
        n.toLocaleString("en-US"),
        ms(validate),
        ms(plan),
        `${(plan.cpu / n * 1000).toFixed(0)} µs`,
        tf,
      ];
      rows.push(row);
      console.error(row.join("  "));
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
  const header = [
    "resources",
    "clockwork validate",
    "clockwork plan --json",
    "plan cpu per resource",
    "terraform plan",
  ];
  const lines = [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
  console.log(lines.join("\n"));
}
