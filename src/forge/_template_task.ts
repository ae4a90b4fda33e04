/**
 * `task` with `script`: the script is the user's (or the AI's) artifact in its
 * `lang`; a fixed guard checks `CW_CREATES` and then execs the runtime on it.
 * User and AI scripts go through the security scan in bundle validation.
 */
import type { Diagnostic } from "../hcl/mod.ts";
import { declaredWrites } from "./_template_command.ts";
import type { ResourceTemplate, TemplateContext } from "./_templates.ts";
import {
  artifact,
  artifactPath,
  emptyStep,
  removalGrant,
  resolvePath,
  stringAttr,
  templateError,
  userEnv,
} from "./_template_support.ts";

export const TASK_GUARD_SCRIPT = `#!/bin/sh
# Clockwork template "task": runs the task's script (the arguments) unless CW_CREATES exists.
if [ -n "\${CW_CREATES:-}" ] && [ -e "$CW_CREATES" ]; then
  echo "clockwork: $CW_CREATES exists, nothing to do"
  exit 0
fi
exec "$@"
`;

const LANG_RUNTIME: Record<string, { ext: string; argv: string[] }> = {
  bash: { ext: ".sh", argv: ["bash"] },
  sh: { ext: ".sh", argv: ["sh"] },
  python3: { ext: ".py", argv: ["python3"] },
  deno: { ext: ".ts", argv: ["deno", "run", "--allow-all", "--no-prompt", "--quiet"] },
};

export const taskTemplate: ResourceTemplate = {
  type: "task",
  compile(context) {
    const diagnostics: Diagnostic[] = [];
    const isDelete = context.step.action === "delete";
    const lang = stringAttr(context.attributes, "lang") ?? "bash";
    const runtime = LANG_RUNTIME[lang];
    if (!runtime) {
      diagnostics.push(
        templateError(context, "CW4003", `Unknown task language ${JSON.stringify(lang)}`, {
          detail: "lang must be one of bash, sh, python3, deno",
        }),
      );
      return { artifacts: [], step: emptyStep(), diagnostics };
    }
    const script = stringAttr(context.attributes, isDelete ? "destroy" : "script");
    if (script === null || script === "") {
      if (!isDelete) {
        diagnostics.push(
          templateError(
            context,
            "CW4002",
            "A task needs a `script` (or a `description` for the AI to write one)",
          ),
        );
      }
      return { artifacts: [], step: { ...emptyStep(), inProcess: [] }, diagnostics };
    }
    return scriptStep(context, lang, runtime, script, isDelete, diagnostics);
  },
};

function scriptStep(
  context: TemplateContext,
  lang: string,
  runtime: { ext: string; argv: string[] },
  script: string,
  isDelete: boolean,
  diagnostics: Diagnostic[],
) {
  const field = isDelete ? "destroy" : "script";
  const user = artifact({
    path: artifactPath(context.step.address, context.step.action, runtime.ext),
    mode: "0700",
    purpose: context.step.id,
    lang: lang as "bash" | "sh" | "python3" | "deno",
    content: script,
    origin: context.change.aiFilled.includes(field) ? "ai" : "user",
  });
  const guard = artifact({
    path: artifactPath(context.step.address, context.step.action, ".guard.sh"),
    mode: "0700",
    purpose: context.step.id,
    lang: "sh",
    content: TASK_GUARD_SCRIPT,
    origin: "template",
  });
  const env: Record<string, string> = userEnv(context, diagnostics);
  const writes: string[] = [];
  const creates = stringAttr(context.attributes, "creates");
  const createsPath = creates ? resolvePath(context.baseDir, creates) : null;
  if (createsPath && isDelete) {
    // `destroy` undoes `script`: it may remove what `creates` names (and is never skipped by it).
    writes.push(removalGrant(createsPath));
  } else if (createsPath) {
    env.CW_CREATES = createsPath;
    writes.push(createsPath);
  }
  if (lang === "deno") {
    // Deno keeps its cache under DENO_DIR; inside the sandbox only the build dir is writable.
    env.DENO_DIR = `${context.buildDir}/.deno`;
    env.DENO_NO_UPDATE_CHECK = "1";
  }
  writes.push(...declaredWrites(context));
  return {
    artifacts: [guard, user],
    step: {
      ...emptyStep(),
      argv: ["sh", guard.path, ...runtime.argv, user.path],
      env,
      writes: [...new Set(writes)],
      network: context.attributes.network === true,
    },
    diagnostics,
  };
}
