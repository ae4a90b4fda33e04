/**
 * Helpers for the apply/state end-to-end tests (a *_test.ts name keeps it in
 * the files this area owns; it declares no tests itself).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RUN_FLAGS } from "../scripts/run_flags.ts";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
/** CW_TEST_MAIN lets a developer point the tests at another entry point. */
export const mainModule = Deno.env.get("CW_TEST_MAIN") ?? join(repoRoot, "main.ts");
const configFile = join(repoRoot, "deno.json");

export function cliArgs(args: readonly string[]): string[] {
  return [
    "run",
    "--quiet",
    ...RUN_FLAGS,
    "--config",
    configFile,
    mainModule,
    ...args,
  ];
}

export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Deno.env.toObject();
  for (const name of Object.keys(env)) if (name.startsWith("CLOCKWORK_")) delete env[name];
  return { ...env, NO_COLOR: "1", ...extra };
}

export function spawnCli(
  dir: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: cliArgs(args),
    cwd: dir,
    clearEnv: true,
    env: cliEnv(env),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

export async function cli(
  dir: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await spawnCli(dir, args, env).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

export async function project(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cw-apply-" });
  for (const [name, text] of Object.entries(files)) {
    Deno.mkdirSync(dirname(join(dir, name)), { recursive: true });
    Deno.writeTextFileSync(join(dir, name), text);
  }
  return dir;
}

/** NDJSON → objects. */
export function lines(text: string): Record<string, unknown>[] {
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

/**
 * Reads a running CLI's NDJSON stdout until `done` matches an event (the CLI
 * ending first is an error); returns the events seen, and the rest of stdout.
 */
export async function readUntil(
  child: Deno.ChildProcess,
  done: (event: Record<string, unknown>) => boolean,
): Promise<{ events: Record<string, unknown>[]; rest: Promise<string> }> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const events: Record<string, unknown>[] = [];
  let buffer = "";
  let seen = "";
  for (let found = false; !found;) {
    const { value, done: ended } = await reader.read();
    if (ended) throw new Error(`the CLI ended before the event; output:\n${seen}${buffer}`);
    buffer += value;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      seen += line + "\n";
      buffer = buffer.slice(newline + 1);
      if (!line.trim()) continue;
      const event = JSON.parse(line);
      events.push(event);
      if (done(event)) found = true;
    }
  }
  const rest = (async () => {
    let text = buffer;
    while (true) {
      const { value, done: ended } = await reader.read();
      if (ended) return text;
      text += value;
    }
  })();
  return { events, rest };
}

/**
 * `apply --json --auto-approve` in `dir`, killed with SIGKILL once the step of
 * `address` has started (after `settleMs`, so its process is under way).
 * Returns the killed CLI's pid, which its lock names.
 */
export async function applyKilledDuring(
  dir: string,
  address: string,
  settleMs = 0,
): Promise<number> {
  const child = spawnCli(dir, ["--json", "apply", "--auto-approve"]);
  const { rest } = await readUntil(child, (e) => e.type === "step_start" && e.address === address);
  if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
  child.kill("SIGKILL");
  await child.status;
  await rest;
  await child.stderr.cancel();
  return child.pid;
}
