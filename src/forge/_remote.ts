/**
 * The remote form of a bundle step: what runs on a `host` through a runner
 * plugin must carry everything with it, because the local build directory
 * does not exist there.
 *
 * - A template script named in argv travels inline: `sh scripts/x.sh …`
 *   becomes `sh -c <content of x.sh> scripts/x.sh …` (the path stays as
 *   `$0`, so the runtime check and messages still name it). A user's script
 *   travels in `CW_SCRIPT` and a fixed loader runs it (see SCRIPT_LOADERS).
 *   Validation checks that what travels is exactly the artifact's text.
 * - `file`/`directory` ops, done in-process locally, become fixed POSIX sh
 *   templates (artifacts of origin "template") that take every user value as
 *   an argument; file content goes on stdin (`stdinArtifact`).
 */
import type { Diagnostic } from "../hcl/mod.ts";
import type { Artifact, BundleStep } from "./types.ts";
import { artifact, artifactPath } from "./_template_support.ts";

/** The remote script prints this line last so the step result carries the mode it left. */
export const REMOTE_MODE_PREFIX = "clockwork-mode ";

/**
 * On the stdout of the fixed scripts (their errors go to stderr) a line
 * starting with this is a note: what the step deliberately left alone. The
 * step's result carries its notes as the message, as the local ops do.
 */
export const REMOTE_NOTE_PREFIX = "clockwork: ";

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

/**
 * The same for content that is not UTF-8: stdin carries it as base64 (the
 * runner's stdin is text) and `base64 -d` turns it back into the bytes.
 */
export const REMOTE_WRITE_BASE64_FILE_SCRIPT = REMOTE_WRITE_FILE_SCRIPT
  .replace("writes stdin to", "writes stdin, decoded from base64, to")
  .replace(`(set -C && cat > "$tmp")`, `(set -C && base64 -d > "$tmp")`);

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
# Clockwork template "remove" (remote): removes "$1". "$2": "recursive" removes a
# directory with its content, "keep" leaves a path that existed before Clockwork,
# anything else removes a file, or a directory only when it is empty.
set -eu
path=$1
case $path in
  /*/*) ;;
  *) echo "clockwork: refusing to remove $path" >&2; exit 1 ;;
esac
if [ "$2" = keep ]; then
  if [ -e "$path" ]; then echo "${REMOTE_NOTE_PREFIX}left $path in place: it existed before Clockwork managed it"; fi
elif [ "$2" = recursive ]; then
  rm -rf -- "$path"
elif [ -d "$path" ] && [ ! -L "$path" ]; then
  rmdir -- "$path" 2>/dev/null || echo "${REMOTE_NOTE_PREFIX}left $path in place: it holds files Clockwork did not create"
else
  rm -f -- "$path"
fi
`;

/** Our fixed remote scripts: their arguments are data (paths, modes), never programs. */
export const REMOTE_DATA_SCRIPTS: ReadonlySet<string> = new Set([
  REMOTE_WRITE_FILE_SCRIPT,
  REMOTE_WRITE_BASE64_FILE_SCRIPT,
  REMOTE_MKDIR_SCRIPT,
  REMOTE_REMOVE_SCRIPT,
]);

/**
 * The notes a remote step's stdout carries (see REMOTE_NOTE_PREFIX). Only the
 * fixed scripts' lines count: a user's command may print anything.
 */
export function remoteStepNotes(step: BundleStep, stdout: string): string[] {
  if (step.argv[0] !== "sh" || !REMOTE_DATA_SCRIPTS.has(step.argv[2] ?? "")) return [];
  return stdout.split("\n")
    .filter((line) => line.startsWith(REMOTE_NOTE_PREFIX))
    .map((line) => line.slice(REMOTE_NOTE_PREFIX.length).trim());
}

/**
 * A user's (or the AI's) script travels in the environment, not in argv,
 * because argv shows in every remote user's `ps`: `CW_SCRIPT` is read,
 * unset (so children do not inherit it) and run by these fixed loaders, with
 * `$0` / `sys.argv[0]` the artifact path as locally.
 */
export const SCRIPT_ENV = "CW_SCRIPT";
export const SCRIPT_LOADERS: Readonly<Record<string, string>> = {
  sh: `__cw_script=$${SCRIPT_ENV}; unset ${SCRIPT_ENV}; eval "$__cw_script"`,
  bash: `__cw_script=$${SCRIPT_ENV}; unset ${SCRIPT_ENV}; eval "$__cw_script"`,
  python3: [
    "import os, sys",
    "sys.argv = sys.argv[1:]",
    `__s = os.environ.pop("${SCRIPT_ENV}")`,
    "exec(compile(__s, sys.argv[0], 'exec'))",
  ].join("\n"),
};
const LOADER_TEXTS = new Set(Object.values(SCRIPT_LOADERS));

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
    const base64 = op.op === "write_file" &&
      own.some((a) => a.path === op.artifact && a.encoding === "base64");
    const script = artifact({
      path: artifactPath(step.address, step.action, ".remote.sh"),
      mode: "0700",
      purpose: step.id,
      lang: "sh",
      content: op.op === "write_file"
        ? (base64 ? REMOTE_WRITE_BASE64_FILE_SCRIPT : REMOTE_WRITE_FILE_SCRIPT)
        : op.op === "mkdir"
        ? REMOTE_MKDIR_SCRIPT
        : REMOTE_REMOVE_SCRIPT,
      origin: "template",
    });
    artifacts.push(script);
    const args = op.op === "remove"
      ? [op.path, op.created === false ? "keep" : op.recursive ? "recursive" : ""]
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
  const env = { ...step.env };
  for (const word of step.argv) {
    const inline = byPath.get(word);
    if (!inline) {
      argv.push(word);
      continue;
    }
    if (inline.origin === "template") {
      argv.push("-c", inline.content, word);
      continue;
    }
    const runtime = argv.at(-1)?.split("/").at(-1) ?? "";
    const loader = SCRIPT_LOADERS[runtime];
    if (loader === undefined || SCRIPT_ENV in env) {
      diagnostics.push(
        remoteError(
          step,
          `${step.address} cannot run on host ${host}: its ${inline.lang} script cannot be sent`,
          "remote steps carry one user script each, run by sh, bash or python3; deno scripts cannot run remotely yet",
        ),
      );
      return { step, artifacts, diagnostics };
    }
    env[SCRIPT_ENV] = inline.content;
    argv.push("-c", loader, word);
  }
  return { step: { ...step, argv, env }, artifacts, diagnostics };
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
    const carried = a.origin === "template"
      ? step.argv[i - 1] === a.content
      : LOADER_TEXTS.has(step.argv[i - 1]) && step.env[SCRIPT_ENV] === a.content;
    if (i < 2 || step.argv[i - 2] !== "-c" || !carried) {
      fail(
        `Step ${step.id} runs on host ${step.host} but names the local artifact ${word} without its text`,
      );
    }
  });
  if (step.stdinArtifact !== undefined) {
    const stdin = artifactsByPath.get(step.stdinArtifact);
    if (!stdin) fail(`Step ${step.id} reads stdin from a missing artifact ${step.stdinArtifact}`);
    else if (
      (stdin.encoding === "base64") !== (step.argv[2] === REMOTE_WRITE_BASE64_FILE_SCRIPT)
    ) {
      fail(
        `Step ${step.id} would not decode its stdin artifact ${step.stdinArtifact} as it is encoded`,
      );
    }
  }
  return out;
}
