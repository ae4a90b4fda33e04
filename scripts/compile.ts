/**
 * Builds the single-file binary: deno compile main.ts -> dist/clockwork.
 * deno compile embeds "denort" (Deno's runtime), which it downloads on first use;
 * offline, set DENORT_BIN to a local denort or seed Deno's cache (see denortCachePath).
 *
 * Usage: deno run --allow-all scripts/compile.ts [--output PATH] [--target TRIPLE]
 */
import { join } from "node:path";
import { homedir } from "node:os";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { RUN_FLAGS } from "./run_flags.ts";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

function denoDir(): string {
  return Deno.env.get("DENO_DIR") ??
    (Deno.build.os === "darwin"
      ? join(homedir(), "Library", "Caches", "deno")
      : join(Deno.env.get("XDG_CACHE_HOME") ?? join(homedir(), ".cache"), "deno"));
}

/** Where deno compile keeps the denort archive it downloaded for this Deno version. */
export function denortCachePath(target = Deno.build.target): string {
  return join(denoDir(), "dl", "release", `v${Deno.version.deno}`, `denort-${target}.zip`);
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Why a compile cannot work offline, or undefined when a denort is available locally. */
export function denortUnavailableReason(target = Deno.build.target): string | undefined {
  const fromEnv = Deno.env.get("DENORT_BIN");
  if (fromEnv) return exists(fromEnv) ? undefined : `DENORT_BIN=${fromEnv} does not exist`;
  const cached = denortCachePath(target);
  if (exists(cached)) return undefined;
  return `no denort for Deno ${Deno.version.deno} (${target}): DENORT_BIN is not set and ${cached} is missing`;
}

/**
 * Data the binary may read at run time, embedded with --include. Built-in plugins
 * need nothing here: plugins/builtins.ts embeds their bundles as strings.
 */
function includes(): string[] {
  return ["schemas"].filter((folder) => {
    try {
      return [...Deno.readDirSync(join(repoRoot, folder))].length > 0;
    } catch {
      return false;
    }
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { output: { type: "string" }, target: { type: "string" } },
  });
  const output = values.output ?? join(repoRoot, "dist", "clockwork");
  const target = values.target ?? Deno.build.target;
  const offlineReason = denortUnavailableReason(target);
  if (offlineReason && Deno.env.get("DENORT_BIN")) {
    console.error(`compile: ${offlineReason}`);
    return 1;
  }
  if (offlineReason) console.error(`compile: ${offlineReason}; deno compile will download it.`);

  const args = [
    "compile",
    ...RUN_FLAGS,
    "--target",
    target,
    "--output",
    output,
    ...includes().flatMap((path) => ["--include", path]),
    "main.ts",
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: repoRoot,
    stdin: "null",
    stdout: "inherit",
    stderr: "piped",
  }).spawn();
  const [status, stderrBytes] = await Promise.all([
    child.status,
    new Response(child.stderr).arrayBuffer(),
  ]);
  const stderr = new TextDecoder().decode(stderrBytes);
  if (status.success) {
    const size = (Deno.statSync(output).size / 1e6).toFixed(1);
    console.error(`compile: wrote ${output} (${size} MB)`);
    return 0;
  }
  await Deno.stderr.write(new TextEncoder().encode(stderr));
  if (/denort|dl\.deno\.land|error sending request|dns error/i.test(stderr)) {
    console.error(
      [
        "",
        `compile: could not get denort, the Deno runtime that deno compile embeds (no internet?).`,
        `  Either set DENORT_BIN=/path/to/denort (from denort-${target}.zip of Deno ${Deno.version.deno}),`,
        `  or put that zip at ${denortCachePath(target)} and run again.`,
      ].join("\n"),
    );
  } else {
    console.error(`compile: deno compile failed (exit ${status.code})`);
  }
  return 1;
}

if (import.meta.main) Deno.exitCode = await main();
