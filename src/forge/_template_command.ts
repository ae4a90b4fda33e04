/**
 * `command`: a fixed guard script that reads everything from the environment
 * (`CW_RUN`, `CW_CREATES`, `CW_UNLESS`) and hands `CW_RUN` to the interpreter
 * as one argument. The user's command runs — that is the point — but it
 * travels as data and is never spliced into script text.
 */
import type { Diagnostic } from "../hcl/mod.ts";
import type { ResourceTemplate, TemplateContext } from "./_templates.ts";
import {
  artifact,
  artifactPath,
  emptyStep,
  interpreterArgv,
  removalGrant,
  resolvePath,
  stringAttr,
  templateError,
  userEnv,
} from "./_template_support.ts";

export const COMMAND_SCRIPT = `#!/bin/sh
# Clockwork template "command": user values arrive only as environment variables.
# Arguments: the interpreter argv (default: /bin/sh -c); CW_RUN is passed to it as one argument.
if [ -n "\${CW_CREATES:-}" ] && [ -e "$CW_CREATES" ]; then
  echo "clockwork: $CW_CREATES exists, nothing to do"
  exit 0
fi
if [ -n "\${CW_UNLESS:-}" ] && "$@" "$CW_UNLESS"; then
  echo "clockwork: the unless command succeeded, nothing to do"
  exit 0
fi
exec "$@" "$CW_RUN"
`;

export const commandTemplate: ResourceTemplate = {
  type: "command",
  compile(context) {
    const diagnostics: Diagnostic[] = [];
    const isDelete = context.step.action === "delete";
    const run = stringAttr(context.attributes, isDelete ? "destroy" : "run");
    if (run === null || run === "") {
      if (!isDelete) diagnostics.push(templateError(context, "CW4002", "A command needs `run`"));
      // Nothing to undo: the step only removes the record.
      return { artifacts: [], step: { ...emptyStep(), inProcess: [] }, diagnostics };
    }
    return runStep(context, run, isDelete, diagnostics);
  },
};

function runStep(
  context: TemplateContext,
  run: string,
  isDelete: boolean,
  diagnostics: Diagnostic[],
) {
  const guard = artifact({
    path: artifactPath(context.step.address, context.step.action, ".sh"),
    mode: "0700",
    purpose: context.step.id,
    lang: "sh",
    content: COMMAND_SCRIPT,
    origin: "template",
  });
  const env: Record<string, string> = { ...userEnv(context, diagnostics), CW_RUN: run };
  const writes: string[] = [];
  const creates = stringAttr(context.attributes, "creates");
  const createsPath = creates ? resolvePath(context.baseDir, creates) : null;
  if (isDelete) {
    // `destroy` undoes `run`: it may remove what `creates` names (and is never skipped by it).
    if (createsPath) writes.push(removalGrant(createsPath));
  } else {
    if (createsPath) {
      env.CW_CREATES = createsPath;
      writes.push(createsPath);
    }
    const unless = stringAttr(context.attributes, "unless");
    if (unless) env.CW_UNLESS = unless;
  }
  const cwdAttr = stringAttr(context.attributes, "cwd");
  const cwd = cwdAttr ? resolvePath(context.baseDir, cwdAttr) : null;
  if (cwd) writes.push(cwd);
  writes.push(...declaredWrites(context));
  return {
    artifacts: [guard],
    step: {
      ...emptyStep(),
      argv: ["sh", guard.path, ...interpreterArgv(context, diagnostics)],
      env,
      cwd,
      writes: [...new Set(writes)],
      network: context.attributes.network === true,
    },
    diagnostics,
  };
}

/** An optional `writes` list: extra paths the step may write (its sandbox grant). */
export function declaredWrites(context: TemplateContext): string[] {
  const raw = context.attributes.writes;
  if (!Array.isArray(raw)) return [];
  return raw.filter((p): p is string => typeof p === "string" && p !== "").map((p) =>
    resolvePath(context.baseDir, p)
  );
}
