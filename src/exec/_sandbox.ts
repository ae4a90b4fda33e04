/**
 * How a step's process is started: in its own process group (so a timeout
 * kills everything it spawned), and on Linux with bubblewrap inside a mount
 * namespace where / (the host's /tmp included) is read-only except the build
 * directory and the step's declared writes, /dev and /proc are private,
 * scratch space is a private tmpfs named by TMPDIR, and the network is cut
 * unless the step needs it.
 */
import { basename, dirname, join } from "node:path";
import { bindTarget } from "./_grants.ts";

export type SandboxMode = "auto" | "bwrap" | "none";

const found = new Map<string, string | null>();

/** Absolute path of a program on PATH (cached), or null. */
export function which(name: string): string | null {
  if (found.has(name)) return found.get(name)!;
  let result: string | null = null;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const candidate = join(dir, name);
      if (Deno.statSync(candidate).isFile) {
        result = candidate;
        break;
      }
    } catch { /* not here */ }
  }
  found.set(name, result);
  return result;
}

export function bwrapAvailable(): boolean {
  return Deno.build.os === "linux" && which("bwrap") !== null;
}

let probed: Promise<{ ok: boolean; reason: string }> | null = null;

/**
 * Whether bwrap can actually build a sandbox here (user namespaces may be
 * disabled, or we may already be inside a restrictive container). Probed once
 * per process, only when a run has subprocess steps.
 */
export function bwrapWorks(): Promise<{ ok: boolean; reason: string }> {
  probed ??= (async () => {
    try {
      const out = await new Deno.Command("bwrap", {
        args: [
          "--ro-bind",
          "/",
          "/",
          "--dev",
          "/dev",
          "--proc",
          "/proc",
          "--tmpfs",
          "/tmp",
          "--unshare-pid",
          "--unshare-net",
          "--die-with-parent",
          "--",
          "true",
        ],
        clearEnv: true,
        env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      const reason = new TextDecoder().decode(out.stderr).trim().split("\n")[0] ||
        `exit code ${out.code}`;
      return { ok: out.success, reason };
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  })();
  return probed;
}

export interface LaunchSpec {
  readonly argv: string[];
  readonly cwd: string;
  readonly writes: readonly string[];
  readonly network: boolean;
  readonly buildDir: string;
}

/**
 * The full argv to spawn: `setsid` so the step leads its own process group,
 * then `bwrap …` when sandboxing. Returns `refused` when a grant cannot be
 * given safely.
 */
export function launchArgv(
  spec: LaunchSpec,
  sandbox: boolean,
): { argv: string[] } | { refused: string } {
  const prefix = which("setsid") ? ["setsid"] : [];
  if (!sandbox) return { argv: [...prefix, ...spec.argv] };
  const args = [
    "bwrap",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--unshare-pid",
    "--unshare-ipc",
    "--die-with-parent",
    "--new-session",
  ];
  if (!spec.network) args.push("--unshare-net");
  const binds = new Set<string>([Deno.realPathSync(spec.buildDir)]);
  for (const write of spec.writes) {
    const target = bindTarget(write);
    if ("refused" in target) return target;
    binds.add(target.path);
  }
  // Parents before children, so a nested grant is not hidden by its parent's mount.
  for (const path of [...binds].sort((a, b) => a.length - b.length)) {
    args.push("--bind", path, path);
  }
  // A grant that contains the configuration directory must still not reach
  // Clockwork's own files (state, journal, lock, logs): .clockwork/ is
  // read-only again, the build dir writable for scratch files, and the
  // scripts and manifest that other steps run from read-only.
  const realBuild = Deno.realPathSync(spec.buildDir);
  const ownDir = dirname(realBuild);
  if (basename(ownDir) === ".clockwork") args.push("--ro-bind", ownDir, ownDir);
  args.push("--bind", realBuild, realBuild);
  for (const fixed of ["scripts", "manifest.json"]) {
    args.push("--ro-bind-try", join(realBuild, fixed), join(realBuild, fixed));
  }
  // The host's /tmp stays read-only unless declared: a private tmpfs there
  // let undeclared writes "succeed" and vanish. Scratch space is a per-step
  // tmpfs under the build directory instead, announced through TMPDIR.
  const scratch = join(realBuild, "tmp");
  Deno.mkdirSync(scratch, { recursive: true, mode: 0o700 });
  args.push("--tmpfs", scratch, "--setenv", "TMPDIR", scratch);
  args.push("--chdir", spec.cwd, "--");
  return { argv: [...prefix, ...args, ...spec.argv] };
}
