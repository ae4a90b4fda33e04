/** Plan → Bundle: each plan step through its resource type's template. */
import { createHash } from "node:crypto";
import type { Diagnostic } from "../hcl/mod.ts";
import type { Change, Plan } from "../plan/mod.ts";
import { TEMPLATES } from "./_templates.ts";
import { remoteStep } from "./_remote.ts";
import type { Artifact, Bundle, BundleStep } from "./types.ts";

export const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;

export interface CompileOptions {
  /** Absolute configuration directory. */
  readonly rootDir: string;
  /** Absolute build directory (default `<rootDir>/.clockwork/build`). */
  readonly buildDir?: string;
}

export function buildDirOf(rootDir: string): string {
  return `${rootDir.replace(/\/+$/, "")}/.clockwork/build`;
}

export function compileBundle(
  plan: Plan,
  options: CompileOptions,
): { value: Bundle; diagnostics: Diagnostic[] } {
  const buildDir = options.buildDir ?? buildDirOf(options.rootDir);
  const changes = new Map<string, Change>(plan.changes.map((c) => [c.address, c]));
  const artifacts: Artifact[] = [];
  const steps: BundleStep[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const step of plan.steps) {
    const change = changes.get(step.address);
    if (!change) {
      diagnostics.push({
        severity: "error",
        code: "CW4004",
        summary: `Plan step ${step.id} has no matching change`,
        address: step.address,
      });
      continue;
    }
    const template = TEMPLATES[change.type];
    if (!template) {
      diagnostics.push({
        severity: "error",
        code: "CW4001",
        summary: `No template compiles resources of type ${JSON.stringify(change.type)}`,
        address: step.address,
        ...(change.resource ? { subject: change.resource.range } : {}),
      });
      continue;
    }
    const isDelete = step.action === "delete";
    const attributes = (isDelete ? change.prior?.attributes : change.resource?.attributes) ??
      change.resource?.attributes ?? change.prior?.attributes ?? {};
    const result = template.compile({
      step,
      change,
      attributes,
      buildDir,
      baseDir: change.resource?.moduleDir ?? options.rootDir,
    });
    diagnostics.push(...result.diagnostics);
    const compiled: BundleStep = {
      id: step.id,
      address: step.address,
      action: step.action,
      purpose: step.id,
      ...result.step,
      timeoutMs: change.resource?.timeoutMs || DEFAULT_TIMEOUT_MS,
      dependsOn: [...step.dependsOn],
      // A delete runs where the resource was made.
      host: (isDelete && change.prior ? change.prior.host : change.resource?.host) ?? null,
    };
    if (compiled.host === null) {
      artifacts.push(...result.artifacts);
      steps.push(compiled);
      continue;
    }
    // Off this machine the build directory does not exist: the step carries its scripts.
    const remote = remoteStep(compiled, result.artifacts);
    diagnostics.push(...remote.diagnostics);
    artifacts.push(...remote.artifacts);
    steps.push(remote.step);
  }
  const bundle: Bundle = {
    format_version: "1",
    planDigest: planDigest(plan),
    artifacts,
    steps,
    vars: { build_dir: buildDir, root_dir: options.rootDir },
  };
  return { value: bundle, diagnostics };
}

/** sha256 of the plan's JSON (plans are built deterministically, so this is stable). */
export function planDigest(plan: Plan): string {
  return createHash("sha256").update(JSON.stringify(plan)).digest("hex");
}
