/**
 * The remote form of a bundle step: what runs on a `host` through a runner
 * plugin must carry everything with it, because the local build directory
 * does not exist there.
 *
 * - An artifact named in argv travels inline: `sh scripts/x.sh …` becomes
 *   `sh -c <content of x.sh> scripts/x.sh …` (the path stays as `$0`, so the
 *   runtime check and messages still name it). Validation checks that the
 *   inlined text is exactly the artifact's.
 * - `file`/`directory` ops, done in-process locally, become fixed POSIX sh
 *   templates (artifacts of origin "template") that take every user value as
 *   an argument; file content goes on stdin (`stdinArtifact`).
 */
import type { Diagnostic } from "../hcl/mod.ts";
import type { Artifact, BundleStep } from "./types.ts";
import { artifact, artifactPath } from "./_template_support.ts";

/** The remote script prints this line last so the step result carries the mode it left. */
export const REMOTE_MODE_PREFIX = "clockwork-mode ";

export const REMOTE_WRITE_FILE_SCRIPT = `#!/bin/sh
# Clockwork template "file" (remote): writes stdin to "$1" atomically.
# Arguments: path (absolute), mode (octal or empty), owner, group (or empty).
set -eu
path=$1 mode=$2 owner=$3 group=$4
if [ -d "$path" ] && [ ! -L "$path" ]; then
  echo "clockwork: $path is a directory" >&2
  exit 1
fi
dir=\${path%/*}
[ -n "$dir" ] || dir=/
[ -d "$dir" ] || mkdir -p -- "$dir"
tmp="$dir/.clockwork-write-$$"
trap 'rm -f -- "$tmp"' EXIT
(set -C && cat > "$tmp")
chmod -- "\${mode:-0644}" "$tmp"
if [ -n "$owner" ]; then chown -- "$owner" "$tmp"; fi
if [ -n "$group" ]; then chgrp -- "$group" "$tmp"; fi
mv -f -- "$tmp" "$path"
trap - EXIT
stat -c '${REMOTE_MODE_PREFIX}%a' -- "$path"
`;

export const REMOTE_MKDIR_SCRIPT = `#!/bin/sh
# Clockwork template "directory" (remote): creates "$1" and its parents.
# Arguments: path (absolute), mode (octal or empty), owner, group (or empty).
set -eu
path=$1 mode=$2 owner=$3 group=$4
if [ -e "$path" ] && [ ! -d "$path" ]; then
  echo "clockwork: $path exists and is not a directory" >&2
  exit 1
fi
mkdir -p -- "$path"
if [ -n "$mode" ]; then chmod -- "$mode" "$path"; fi
if [ -n "$owner" ]; then chown -- "$owner" "$path"; fi
if [ -n "$group" ]; then chgrp -- "$group" "$path"; fi
stat -c '${REMOTE_MODE_PREFIX}%a' -- "$path"
`;

export const REMOTE_REMOVE_SCRIPT = `#!/bin/sh
# Clockwork template "remove" (remote): removes "$1"; "$2" is "recursive" for a directory.
set -eu
path=$1
case $path in
  /*/*) ;;
  *) echo "clockwork: refusing to remove $path" >&2; exit 1 ;;
esac
if [ "$2" = recursive ]; then rm -rf -- "$path"; else rm -f -- "$path"; fi
`;

/** Our fixed remote scripts: their arguments are data (paths, modes), never programs. */
export const REMOTE_DATA_SCRIPTS: ReadonlySet<string> = new Set([
  REMOTE_WRITE_FILE_SCRIPT,
  REMOTE_MKDIR_SCRIPT,
  REMOTE_REMOVE_SCRIPT,
]);

/** Interpreters whose scripts can travel inline as `-c TEXT`. */
const INLINE_RUNTIMES = new Set(["sh", "bash", "python3"]);

function remoteError(step: BundleStep, summary: string, detail: string): Diagnostic {
  return {
    severity: "error",
    code: "CW4040",
    summary,
    detail,
    address: step.address,
  };
}

/** Rewrites one compiled step for its host; `own` are the artifacts its template made. */
export function remoteStep(
  step: BundleStep,
  own: readonly Artifact[],
): { step: BundleStep; artifacts: Artifact[]; diagnostics: Diagnostic[] } {
  const host = JSON.stringify(step.host);
  const diagnostics: Diagnostic[] = [];
  const artifacts = [...own];
  if (step.inProcess !== null) {
    // An empty op list does nothing anywhere (e.g. a command without `destroy`).
    if (step.inProcess.length === 0) return { step, artifacts, diagnostics };
    if (step.inProcess.length !== 1 || step.inProcess[0].op === "container") {
      diagnostics.push(
        remoteError(
          step,
          `${step.address} cannot run on host ${host}`,
          "containers are managed through the local runtime; only file, directory, command and task resources run on remote hosts",
        ),
      );
      return { step, artifacts, diagnostics };
    }
    const op = step.inProcess[0];
    const script = artifact({
      path: artifactPath(step.address, step.action, ".remote.sh"),
      mode: "0700",
      purpose: step.id,
      lang: "sh",
      content: op.op === "write_file"
        ? REMOTE_WRITE_FILE_SCRIPT
        : op.op === "mkdir"
        ? REMOTE_MKDIR_SCRIPT
        : REMOTE_REMOVE_SCRIPT,
      origin: "template",
    });
    artifacts.push(script);
    const args = op.op === "remove"
      ? [op.path, op.recursive ? "recursive" : ""]
      : [op.path, op.mode ?? "", op.owner ?? "", op.group ?? ""];
    return {
      step: {
        ...step,
        argv: ["sh", "-c", script.content, script.path, ...args],
        inProcess: null,
        ...(op.op === "write_file" ? { stdinArtifact: op.artifact } : {}),
      },
      artifacts,
      diagnostics,
    };
  }
  const byPath = new Map(own.map((a) => [a.path, a]));
  const argv: string[] = [];
  for (const word of step.argv) {
    const inline = byPath.get(word);
    if (!inline) {
      argv.push(word);
      continue;
    }
    const runtime = argv.at(-1)?.split("/").at(-1) ?? "";
    if (!INLINE_RUNTIMES.has(runtime)) {
      diagnostics.push(
        remoteError(
          step,
          `${step.address} cannot run on host ${host}: its ${inline.lang} script cannot be sent inline`,
          "remote steps carry their scripts as `-c TEXT`; sh, bash and python3 scripts can, deno scripts cannot yet",
        ),
      );
      return { step, artifacts, diagnostics };
    }
    argv.push("-c", inline.content, word);
  }
  return { step: { ...step, argv }, artifacts, diagnostics };
}

/**
 * Problems with a remote step: artifacts must travel inline, byte for byte
 * the validated text, and stdin must come from an artifact of the bundle.
 */
export function remoteStepProblems(
  step: BundleStep,
  artifactsByPath: ReadonlyMap<string, Artifact>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const fail = (summary: string) =>
    out.push({ severity: "error", code: "CW4041", summary, address: step.address });
  if (step.host === null) {
    if (step.stdinArtifact !== undefined) fail(`Step ${step.id} is local but has stdinArtifact`);
    return out;
  }
  if (step.inProcess !== null && step.inProcess.length > 0) {
    fail(`Step ${step.id} runs on host ${step.host} but has in-process work`);
  }
  step.argv.forEach((word, i) => {
    const a = artifactsByPath.get(word);
    if (!a) return;
    if (i < 2 || step.argv[i - 2] !== "-c" || step.argv[i - 1] !== a.content) {
      fail(
        `Step ${step.id} runs on host ${step.host} but names the local artifact ${word} without its text`,
      );
    }
  });
  if (step.stdinArtifact !== undefined && !artifactsByPath.has(step.stdinArtifact)) {
    fail(`Step ${step.id} reads stdin from a missing artifact ${step.stdinArtifact}`);
  }
  return out;
}
