/**
 * Bundle validation: runs before anything executes. Static checks first
 * (`validateBundle`), then, after the artifacts are on disk, that each one is a
 * regular file really inside the build directory (`verifyWrittenBundle`).
 */
import { basename, dirname, isAbsolute, normalize, resolve } from "node:path";
import type { Diagnostic } from "../hcl/mod.ts";
import type { Plan } from "../plan/mod.ts";
import { scanArtifact } from "./_scan.ts";
import { REMOTE_DATA_SCRIPTS, remoteStepProblems } from "./_remote.ts";
import { BASE_RUNTIMES, TEMPLATES } from "./_templates.ts";
import { tooBroad } from "./_template_support.ts";
import type { Artifact, Bundle } from "./types.ts";

const SHEBANG_RUNTIMES: Record<string, readonly string[]> = {
  bash: ["bash"],
  sh: ["sh", "dash", "bash"],
  python3: ["python3", "python"],
  deno: ["deno"],
};

function problem(code: string, summary: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: "error", code, summary, ...extra };
}

/** A relative, normalised path with no `..` that stays under the build directory. */
export function artifactPathProblem(path: string): string | null {
  if (path === "" || isAbsolute(path)) return "is absolute or empty";
  if (path.split(/[\\/]/).includes("..")) return "contains ..";
  if (normalize(path) !== path || path.startsWith("./")) return "is not in normal form";
  if (path.includes("\0")) return "contains a NUL byte";
  return null;
}

function shebangRuntime(content: string): string | null {
  if (!content.startsWith("#!")) return null;
  const words = content.slice(2, content.indexOf("\n") === -1 ? undefined : content.indexOf("\n"))
    .trim().split(/\s+/);
  let program = basename(words[0] ?? "");
  if (program === "env") {
    program = basename(words.slice(1).find((w) => !w.startsWith("-")) ?? "");
  }
  return program;
}

/**
 * `.clockwork` and `.clockwork/build` must be real directories (or absent): a
 * symbolic link would send the manifest and scripts, and the steps' writable
 * scratch grant, wherever it points. (A link planted at `build/scripts` is
 * harmless: writeBundle removes it and writes a real directory.)
 */
export function buildDirProblems(buildDir: string): Diagnostic[] {
  const build = resolve(buildDir);
  const diagnostics: Diagnostic[] = [];
  for (const path of [dirname(build), build]) {
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(path);
    } catch {
      continue;
    }
    if (info.isSymlink || !info.isDirectory) {
      let target = "";
      try {
        target = Deno.readLinkSync(path);
      } catch { /* not a link */ }
      diagnostics.push(
        problem(
          "CW4015",
          `${path} is ${
            info.isSymlink ? "a symbolic link" : "not a directory"
          }; refusing to write the bundle`,
          {
            detail: `${
              info.isSymlink ? `it points to ${target}. ` : ""
            }Clockwork writes scripts there and lets steps write to it, so it must be a real directory inside the configuration directory.`,
            notes: [`remove it (rm ${path}) and run the command again`],
          },
        ),
      );
      break;
    }
  }
  return diagnostics;
}

export function validateBundle(bundle: Bundle, plan: Plan, buildDir: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = buildDirProblems(buildDir);
  const planSteps = new Map(plan.steps.map((s) => [s.id, s]));
  const stepIds = new Set(bundle.steps.map((s) => s.id));
  const typeOf = new Map(plan.changes.map((c) => [c.address, c.type]));
  const artifactsByPath = new Map<string, Artifact>();
  for (const a of bundle.artifacts) {
    const bad = artifactPathProblem(a.path);
    if (bad) {
      diagnostics.push(problem("CW4010", `Artifact path ${JSON.stringify(a.path)} ${bad}`, {
        detail: "every artifact must resolve inside .clockwork/build/",
      }));
    }
    if (artifactsByPath.has(a.path)) {
      diagnostics.push(problem("CW4010", `Two artifacts share the path ${a.path}`));
    }
    artifactsByPath.set(a.path, a);
    const mode = parseInt(a.mode, 8);
    if (!/^0?[0-7]{3,4}$/.test(a.mode) || (mode & ~0o755) !== 0) {
      diagnostics.push(
        problem("CW4013", `Artifact ${a.path} has mode ${a.mode}; at most 0755 is allowed`),
      );
    }
    if (!stepIds.has(a.purpose)) {
      diagnostics.push(
        problem(
          "CW4012",
          `Artifact ${a.path} serves ${a.purpose}, which is not a step of this bundle`,
        ),
      );
    }
    if (a.lang !== "data") {
      const runtime = shebangRuntime(a.content);
      if (runtime !== null && !SHEBANG_RUNTIMES[a.lang].includes(runtime)) {
        diagnostics.push(
          problem("CW4014", `Artifact ${a.path} is ${a.lang} but its shebang runs ${runtime}`),
        );
      }
    }
  }
  for (const step of bundle.steps) {
    const planned = planSteps.get(step.purpose);
    if (
      step.purpose !== step.id || !planned || planned.action !== step.action ||
      planned.address !== step.address || !step.id.endsWith(`:${step.action}`)
    ) {
      diagnostics.push(problem("CW4012", `Step ${step.id} does not match a planned action`, {
        address: step.address,
        detail: `its purpose is ${JSON.stringify(step.purpose)}`,
      }));
    }
    if (step.argv.length > 0) {
      const type = typeOf.get(step.address) ?? "";
      const allowed = new Set([...BASE_RUNTIMES, ...(TEMPLATES[type]?.runtimes ?? [])]);
      const programs = [step.argv[0]];
      for (let i = 0; i + 1 < step.argv.length; i++) {
        const a = artifactsByPath.get(step.argv[i]);
        // The remote file/directory scripts take data arguments, not a program.
        if (a?.origin === "template" && !REMOTE_DATA_SCRIPTS.has(a.content)) {
          programs.push(step.argv[i + 1]);
        }
      }
      for (const program of programs) {
        if (!allowed.has(basename(program))) {
          diagnostics.push(
            problem(
              "CW4011",
              `Step ${step.id} would run ${
                JSON.stringify(program)
              }, which is not an allowed runtime`,
              {
                address: step.address,
                detail: `allowed: ${[...allowed].join(", ")}`,
              },
            ),
          );
        }
      }
    }
    for (const w of step.writes) {
      if (!isAbsolute(w)) {
        diagnostics.push(problem("CW4016", `Step ${step.id} declares a relative write path ${w}`));
      } else if (tooBroad(w)) {
        diagnostics.push(
          problem("CW4031", `Step ${step.id} asks to write ${w}, which is too broad to grant`, {
            address: step.address,
            detail:
              "a step may not be granted /, a top-level system directory or a home directory as a whole",
          }),
        );
      }
    }
    diagnostics.push(...remoteStepProblems(step, artifactsByPath));
    for (const op of step.inProcess ?? []) {
      const modeText = "mode" in op && typeof op.mode === "string" ? op.mode : "0";
      if (parseInt(modeText, 8) & 0o6000) {
        diagnostics.push(
          problem("CW4023", `Step ${step.id} would set the setuid/setgid bit (mode ${modeText})`, {
            address: step.address,
            detail: "privilege changes are refused; use a mode without 4000/2000",
          }),
        );
      }
      if (op.op === "write_file" && !artifactsByPath.has(op.artifact)) {
        diagnostics.push(
          problem("CW4012", `Step ${step.id} writes from a missing artifact ${op.artifact}`),
        );
      }
    }
  }
  for (const step of bundle.steps) {
    for (const a of bundle.artifacts) {
      if (a.purpose !== step.id) continue;
      diagnostics.push(
        ...scanArtifact(a, { writes: step.writes, buildDir, address: step.address }),
      );
    }
  }
  return diagnostics;
}

/** After writing: each artifact is a regular file whose real location is inside the build dir. */
export function verifyWrittenBundle(
  bundle: Bundle,
  buildDir: string,
  options: { readonly data?: boolean } = {},
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let realBuild: string;
  try {
    realBuild = Deno.realPathSync(buildDir);
  } catch (e) {
    return [problem("CW4015", `Build directory ${buildDir} is missing`, { detail: String(e) })];
  }
  for (const a of bundle.artifacts) {
    if (a.lang === "data" && options.data === false) continue;
    const full = resolve(buildDir, a.path);
    try {
      const info = Deno.lstatSync(full);
      const real = Deno.realPathSync(full);
      if (!info.isFile || !real.startsWith(realBuild + "/")) {
        diagnostics.push(
          problem("CW4015", `Artifact ${a.path} resolves outside the build directory`, {
            detail: `${full} -> ${real}`,
          }),
        );
      }
    } catch (e) {
      diagnostics.push(
        problem("CW4015", `Artifact ${a.path} is missing after compile`, { detail: String(e) }),
      );
    }
  }
  return diagnostics;
}
