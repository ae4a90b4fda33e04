/**
 * Runs the real CLI (`deno run main.ts …`) in a fresh temporary directory, the way
 * a user would, and captures what it prints.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RUN_FLAGS } from "../../scripts/run_flags.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const mainModule = join(repoRoot, "main.ts");
const configFile = join(repoRoot, "deno.json");

export interface CliOptions {
  /** Files to create first, keyed by relative path (folders are created as needed). */
  files?: Record<string, string>;
  /** Run here instead of a fresh temporary directory (files are still written into it). */
  cwd?: string;
  /** Extra environment variables, on top of NO_COLOR=1 and the inherited ones (minus CLOCKWORK_*). */
  env?: Record<string, string>;
  /** Text fed to the CLI's stdin; without it stdin is closed (no terminal). */
  stdin?: string;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The directory the CLI ran in. */
  dir: string;
}

export function makeTempDir(prefix = "clockwork-test-"): Promise<string> {
  return Deno.makeTempDir({ prefix });
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const path = join(dir, relative);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, content);
  }
}

/**
 * The caller's environment minus CLOCKWORK_* settings, so a developer's shell cannot
 * change results, and minus RUST_BACKTRACE, which makes Deno append a backtrace to
 * its own errors.
 */
function inheritedEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  for (const name of Object.keys(env)) {
    if (name.startsWith("CLOCKWORK_") || name === "RUST_BACKTRACE") delete env[name];
  }
  return env;
}

export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const dir = opts.cwd ?? await makeTempDir();
  if (opts.files) await writeFiles(dir, opts.files);
  const command = new Deno.Command(Deno.execPath(), {
    // --config: the temp dir has no deno.json, and the import map lives in ours.
    // --quiet: keeps Deno's own "Download …" lines out of the captured stderr.
    args: [
      "run",
      "--quiet",
      ...RUN_FLAGS,
      "--config",
      configFile,
      mainModule,
      ...args,
    ],
    cwd: dir,
    clearEnv: true,
    env: { ...inheritedEnv(), NO_COLOR: "1", ...opts.env },
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(opts.stdin));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    dir,
  };
}
