/**
 * Helpers for the apply/state end-to-end tests (a *_test.ts name keeps it in
 * the files this area owns; it declares no tests itself).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
/** CW_TEST_MAIN lets a developer point the tests at another entry point. */
export const mainModule = Deno.env.get("CW_TEST_MAIN") ?? join(repoRoot, "main.ts");
const configFile = join(repoRoot, "deno.json");

export function cliArgs(args: readonly string[]): string[] {
  return [
    "run",
    "--quiet",
    "--allow-all",
    "--unstable-worker-options",
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
