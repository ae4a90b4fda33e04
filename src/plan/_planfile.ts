/**
 * Plan files (`plan --out FILE`): the plan JSON document plus everything
 * apply needs, so a later `apply FILE` executes exactly this plan, and
 * refuses when the configuration or the state moved since.
 */
import * as v from "valibot";
import type { Config } from "../config/mod.ts";
import type { State } from "../state/mod.ts";
import { type Diagnostic, error } from "../config/mod.ts";
import { type Plan, PlanSchema } from "./types.ts";
import { planDocument } from "./render.ts";

export const PLAN_FILE_KIND = "clockwork-plan";

/**
 * `variables`: the root variable values the plan was made with, so `apply
 * FILE` evaluates the configuration with exactly these (as Terraform keeps
 * them in its plan files) and needs no `--var` again.
 */
export function planFileDocument(
  plan: Plan,
  variables: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  return {
    ...planDocument(plan),
    kind: PLAN_FILE_KIND,
    config_digest: plan.configDigest,
    state_lineage: plan.stateLineage,
    state_serial: plan.stateSerial,
    variables,
    plan,
  };
}

/** Text of a plan file, ready to write. */
export function serializePlanFile(
  plan: Plan,
  variables: Readonly<Record<string, unknown>> = {},
): string {
  return JSON.stringify(planFileDocument(plan, variables)) + "\n";
}

/** True when the file looks like a plan file (apply accepts DIR or PLANFILE). */
export function isPlanFile(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) return false;
    const head = Deno.readTextFileSync(path).slice(0, 4096);
    return head.includes(`"kind":"${PLAN_FILE_KIND}"`) || head.startsWith('{"format_version"');
  } catch {
    return false;
  }
}

export interface ReadPlanFile {
  readonly value: Plan | null;
  /** The root variable values it was made with (null in plan files written before they were kept). */
  readonly variables: Readonly<Record<string, unknown>> | null;
  readonly diagnostics: Diagnostic[];
}

export function readPlanFile(path: string): ReadPlanFile {
  const fail = (summary: string, detail: string) => ({
    value: null,
    variables: null,
    diagnostics: [error("CW3005", summary, undefined, { detail })],
  });
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    return fail(`Cannot read plan file ${path}`, e instanceof Error ? e.message : String(e));
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail(
      `${path} is not a Clockwork plan file`,
      `it is not JSON (${
        e instanceof Error ? e.message : e
      }); write one with \`clockwork plan --out FILE\``,
    );
  }
  const record = doc as Record<string, unknown> | null;
  if (!record || typeof record !== "object" || record.kind !== PLAN_FILE_KIND) {
    return fail(
      `${path} is not a Clockwork plan file`,
      "write one with `clockwork plan --out FILE`",
    );
  }
  if (record.format_version === undefined) {
    return fail(
      `${path} is not a complete Clockwork plan file`,
      "it has no format_version; write it again with `clockwork plan --out FILE`",
    );
  }
  if (record.format_version !== "1") {
    return fail(
      `Unsupported plan file version ${JSON.stringify(record.format_version)}`,
      'this Clockwork reads plan files of format_version "1"',
    );
  }
  const parsed = v.safeParse(PlanSchema, record.plan);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue.path?.map((p) => String(p.key)).join(".") ?? "plan";
    return fail(`Plan file ${path} is damaged`, `${where}: ${issue.message}`);
  }
  const variables = record.variables;
  return {
    value: parsed.output as Plan,
    variables: variables && typeof variables === "object" && !Array.isArray(variables)
      ? variables as Record<string, unknown>
      : null,
    diagnostics: [],
  };
}

/** Why a saved plan may no longer be applied: the configuration or the state changed since. */
export function checkPlanFileFresh(
  plan: Plan,
  config: Config | null,
  state: State | null,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (config && config.digest !== plan.configDigest) {
    out.push(error("CW3003", "The configuration changed since this plan was made", undefined, {
      detail:
        "a .cw file, a variable value or a source file differs from when `clockwork plan --out` ran; make a new plan",
    }));
  }
  const lineage = state?.lineage ?? null;
  const serial = state?.serial ?? 0;
  if (lineage !== plan.stateLineage || serial !== plan.stateSerial) {
    out.push(error("CW3004", "The state changed since this plan was made", undefined, {
      detail: `the plan was made against state ${
        plan.stateLineage ?? "(none)"
      } serial ${plan.stateSerial}, but the state is now ${
        lineage ?? "(none)"
      } serial ${serial}; make a new plan`,
    }));
  }
  return out;
}
