/**
 * Apply benchmarks, whole process (`deno run main.ts …` as a user runs it):
 *   - apply of 1,000 `file` resources            (target < 2 s)
 *   - no-op re-apply of the same 1,000           (target < 0.5 s)
 *   - state recording cost, 1,000 vs 5,000 steps (journal + compaction: linear)
 * and, in the same run, Ansible (copy/file/command on localhost) and Terraform
 * (`terraform_data` × 1,000) for ratios.
 *
 *   deno run -A scripts/bench-apply.ts [--write] [--skip-ansible] [--skip-terraform]
 *
 * `--write` replaces the "## Apply" section of docs/PERFORMANCE.md.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withStateStore } from "../src/cli/state_backend.ts";
import { digestAttributes, emptyState, type StateResource } from "../src/state/mod.ts";
import { RUN_FLAGS } from "./run_flags.ts";

const repo = fileURLToPath(new URL("../", import.meta.url));
const args = new Set(Deno.args);
const RUNS = 3;

function has(program: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(join(dir, program)).isFile) return true;
    } catch { /* keep looking */ }
  }
  return false;
}

async function timed(
  program: string,
  argv: string[],
  cwd: string,
  env: Record<string, string> = {},
) {
  const started = performance.now();
  const out = await new Deno.Command(program, {
    args: argv,
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - started;
  if (!out.success) {
    throw new Error(
      `${program} ${argv.join(" ")} failed (${out.code}):\n${new TextDecoder().decode(out.stderr)}${
        new TextDecoder().decode(out.stdout).slice(-2000)
      }`,
    );
  }
  return ms;
}

const cwArgs = (rest: string[]) => [
  "run",
  "--quiet",
  ...RUN_FLAGS,
  "--config",
  join(repo, "deno.json"),
  join(repo, "main.ts"),
  ...rest,
];

function fileConfig(n: number): string {
  return `resource "file" "f" {
  count   = ${n}
  path    = "\${path.module}/out/f\${count.index}.txt"
  content = "file \${count.index}\\n"
}
`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const fmt = (ms: number) => ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;

async function clockworkFiles(n: number): Promise<{ apply: number; noop: number }> {
  const applies: number[] = [];
  const noops: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = await Deno.makeTempDir({ prefix: "cw-bench-apply-" });
    Deno.writeTextFileSync(join(dir, "main.cw"), fileConfig(n));
    applies.push(await timed(Deno.execPath(), cwArgs(["apply", "--auto-approve"]), dir));
    noops.push(await timed(Deno.execPath(), cwArgs(["apply", "--auto-approve"]), dir));
    await Deno.remove(dir, { recursive: true });
  }
  return { apply: median(applies), noop: median(noops) };
}

/**
 * The state layer alone, as apply records it: one durable journal append per
 * 10 steps to the state-file plugin, then compaction.
 */
async function stateCost(n: number): Promise<{ journal: number; compact: number }> {
  const dir = Deno.makeTempDirSync({ prefix: "cw-bench-state-" });
  const timings = await withStateStore(dir, { backend: null, path: null }, async (store) => {
    const base = emptyState();
    await store.compact(base);
    const started = performance.now();
    store.beginJournal(base);
    const resources: StateResource[] = [];
    let batch = [];
    for (let i = 0; i < n; i++) {
      const attributes = { path: `/srv/out/f${i}.txt`, content: `file ${i}\n` };
      const resource: StateResource = {
        address: `file.f[${i}]`,
        type: "file",
        module: [],
        attributes,
        sensitiveAttributes: [],
        digest: digestAttributes(attributes),
        dependencies: [],
        observed: { sha256: "0".repeat(64), mode: "0644", size: 10 },
        host: null,
        preventDestroy: false,
      };
      resources.push(resource);
      batch.push({ t: "put" as const, resource });
      if (batch.length === 10) {
        await store.appendJournal(batch);
        batch = [];
      }
    }
    await store.appendJournal(batch);
    const journal = performance.now() - started;
    const compactStart = performance.now();
    const failed = await store.compact({ ...base, serial: 1, resources });
    if (failed.length > 0) throw new Error(failed[0].summary);
    return { journal, compact: performance.now() - compactStart };
  }, (diagnostics) => {
    throw new Error(diagnostics[0]?.summary ?? "cannot open the state");
  });
  Deno.removeSync(dir, { recursive: true });
  return timings;
}

async function ansible(n: number): Promise<number | null> {
  if (args.has("--skip-ansible") || !has("ansible-playbook")) return null;
  const dir = await Deno.makeTempDir({ prefix: "cw-bench-ansible-" });
  const playbook = `- hosts: localhost
  gather_facts: false
  tasks:
    - name: directory
      file:
        path: "${dir}/out"
        state: directory
    - name: files
      copy:
        dest: "${dir}/out/f{{ item }}.txt"
        content: "file {{ item }}\\n"
      loop: "{{ range(0, ${n}) | list }}"
    - name: command
      command: touch ${dir}/out/stamp
      args:
        creates: ${dir}/out/stamp
`;
  Deno.writeTextFileSync(join(dir, "play.yml"), playbook);
  const ms = await timed("ansible-playbook", ["-i", "localhost,", "-c", "local", "play.yml"], dir, {
    ANSIBLE_NOCOWS: "1",
    ANSIBLE_HOST_KEY_CHECKING: "False",
    HOME: Deno.env.get("HOME") ?? "/root",
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
  });
  await Deno.remove(dir, { recursive: true });
  return ms;
}

async function clockworkMixed(n: number): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "cw-bench-mixed-" });
  Deno.writeTextFileSync(
    join(dir, "main.cw"),
    `resource "directory" "out" {
  path = "\${path.module}/out"
}
resource "file" "f" {
  count   = ${n}
  path    = "\${directory.out.path}/f\${count.index}.txt"
  content = "file \${count.index}\\n"
}
resource "command" "stamp" {
  run     = "touch stamp"
  cwd     = directory.out.path
  creates = "\${directory.out.path}/stamp"
}
`,
  );
  const ms = await timed(Deno.execPath(), cwArgs(["apply", "--auto-approve"]), dir);
  await Deno.remove(dir, { recursive: true });
  return ms;
}

async function terraform(n: number): Promise<{ apply: number; plan: number } | null> {
  if (args.has("--skip-terraform") || !has("terraform")) return null;
  const dir = await Deno.makeTempDir({ prefix: "cw-bench-terraform-" });
  Deno.writeTextFileSync(
    join(dir, "main.tf"),
    `resource "terraform_data" "d" {\n  count = ${n}\n  input = "file \${count.index}"\n}\n`,
  );
  const env = {
    HOME: Deno.env.get("HOME") ?? "/root",
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
  };
  await timed("terraform", ["init", "-input=false"], dir, env);
  const apply = await timed("terraform", ["apply", "-auto-approve", "-input=false"], dir, env);
  const plan = await timed("terraform", ["plan", "-input=false"], dir, env);
  await Deno.remove(dir, { recursive: true });
  return { apply, plan };
}

const load = Deno.loadavg?.()[0];
console.error("Clockwork: 1,000 files, apply and no-op re-apply…");
const files = await clockworkFiles(1000);
console.error("State recording: 1,000 vs 5,000 steps…");
const s1 = await stateCost(1000);
const s5 = await stateCost(5000);
const ANSIBLE_N = 100;
console.error(`Ansible: directory + ${ANSIBLE_N} files + command…`);
const ansibleMs = await ansible(ANSIBLE_N);
const mixedMs = await clockworkMixed(ANSIBLE_N);
console.error("Terraform: terraform_data × 1,000…");
const tf = await terraform(1000);

const rows: string[][] = [
  ["Clockwork apply, 1,000 `file` resources (whole process)", fmt(files.apply), "< 2 s"],
  ["Clockwork no-op re-apply, 1,000 resources", fmt(files.noop), "< 0.5 s"],
  [
    "State recording, 1,000 steps (journal + compaction)",
    `${fmt(s1.journal + s1.compact)} (${fmt(s1.journal)} + ${fmt(s1.compact)})`,
    "linear",
  ],
  [
    "State recording, 5,000 steps (journal + compaction)",
    `${fmt(s5.journal + s5.compact)} (${fmt(s5.journal)} + ${fmt(s5.compact)}), ×${
      ((s5.journal + s5.compact) / (s1.journal + s1.compact)).toFixed(1)
    } for ×5 steps`,
    "linear",
  ],
  [`Clockwork: directory + ${ANSIBLE_N} files + command`, fmt(mixedMs), ""],
  [
    `Ansible 2.14: directory + ${ANSIBLE_N} files (copy loop) + command`,
    ansibleMs === null
      ? "skipped"
      : `${fmt(ansibleMs)} (Clockwork ${(ansibleMs / mixedMs).toFixed(0)}× faster)`,
    "",
  ],
  [
    "Terraform: apply 1,000 `terraform_data`",
    tf === null
      ? "skipped"
      : `${fmt(tf.apply)} (Clockwork's 1,000 files: ${
        (tf.apply / files.apply).toFixed(0)
      }× faster)`,
    "",
  ],
  [
    "Terraform: no-op plan of 1,000",
    tf === null
      ? "skipped"
      : `${fmt(tf.plan)} (Clockwork's no-op apply: ${(tf.plan / files.noop).toFixed(1)}× faster)`,
    "",
  ],
];

const table = [
  "| measurement | result | target |",
  "|---|---|---|",
  ...rows.map((r) => `| ${r.join(" | ")} |`),
].join("\n");
const section = `## Apply

Measured by \`deno run -A scripts/bench-apply.ts --write\` on ${
  new Date().toISOString().slice(0, 10)
}
(${navigator.hardwareConcurrency} CPUs, load average ${
  load?.toFixed(1) ?? "?"
} at the start: other work shared the
machine). Whole-process times (\`deno run main.ts apply --auto-approve\` in a fresh directory),
median of ${RUNS} runs; Ansible and Terraform ran once each in the same run.

${table}

How: \`file\` and \`directory\` steps run inside the executor (no process per file) under the
same write-grant rule as the sandbox; each finished step is one journal line, group-committed
(one fsync per batch of steps finishing together) before dependents start; the journal is
compacted into \`state.json\` once at the end, so recording is linear in the number of steps.
A no-op apply compiles nothing, spawns nothing and does not rewrite state.
`;
console.log(section);

if (args.has("--write")) {
  const path = join(repo, "docs/PERFORMANCE.md");
  let text = "";
  try {
    text = Deno.readTextFileSync(path);
  } catch { /* first section in the file */ }
  const start = text.indexOf("\n## Apply\n");
  const at = start >= 0 ? start + 1 : text.startsWith("## Apply\n") ? 0 : -1;
  if (at >= 0) {
    const next = text.indexOf("\n## ", at + 1);
    text = text.slice(0, at) + section + (next >= 0 ? text.slice(next) : "");
  } else {
    text = (text === "" ? "# Performance\n" : text.trimEnd() + "\n") + "\n" + section;
  }
  Deno.writeTextFileSync(path, text);
  console.error(`wrote the Apply section of ${path}`);
}
