/**
 * Runbooks for what the drift daemon leaves alone: the model is asked once
 * per difference, its answer validated (schema, the forge's scan of every
 * command, the patch parsed as HCL) and pinned in clockwork.lock like any
 * other answer, so the next cycle shows it again without asking. A runbook is
 * advice for a person: nothing in it is ever run.
 */
import { parse } from "../hcl/mod.ts";
import { type Runbook, validateAnswer } from "./_answers.ts";
import { askModel, type Checked } from "./_ask.ts";
import type { AiRequest } from "./_prompts.ts";
import type { ScriptCheck } from "./complete.ts";
import { pinKey, type PinTable, replacePin } from "./pins.ts";
import type { AiProvider } from "./provider.ts";

/** A difference the daemon did not fix, as the model is told about it. */
export interface UnfixedDifference {
  readonly address: string;
  readonly resourceType: string;
  /** drift, config or delete. */
  readonly kind: string;
  readonly action: string;
  readonly summary: string;
  readonly reasons: readonly string[];
  /** Why the daemon left it alone, in its own words. */
  readonly why: string;
  /** The resource's arguments with sensitive values already redacted. */
  readonly attributes: Readonly<Record<string, unknown>> | null;
}

export interface ProposalOptions {
  readonly provider: AiProvider;
  readonly model: string;
  readonly pins: PinTable;
  readonly checkScript?: ScriptCheck;
  readonly timeoutMs?: number;
}

export type Proposal =
  | { ok: true; runbook: Runbook; fromPin: boolean; pins: PinTable; pinsChanged: boolean }
  | { ok: false; code: string; summary: string; detail: string };

export function runbookRequest(difference: UnfixedDifference): AiRequest {
  return {
    address: difference.address,
    field: "runbook",
    description: `${difference.address} ${difference.summary}; ${difference.why}`,
    // Plain JSON: the request is stored in the lock file and hashed into the pin key.
    context: JSON.parse(JSON.stringify({
      type: difference.resourceType,
      difference: difference.kind,
      action: difference.action,
      reasons: difference.reasons,
      ...(difference.attributes ? { arguments: difference.attributes } : {}),
    })),
  };
}

export function checkRunbook(
  data: unknown,
  address: string,
  checkScript?: ScriptCheck,
): Checked<Runbook> {
  const validated = validateAnswer("runbook", data);
  if (!validated.ok) return validated;
  const runbook = validated.answer;
  for (const [i, step] of runbook.steps.entries()) {
    if (step.command === undefined) continue;
    const problems = checkScript?.({ lang: "sh", content: step.command, address }) ?? [];
    if (problems.length > 0) {
      return {
        ok: false,
        problem: `steps.${i}.command failed the security scan: ${problems.join("; ")}`,
      };
    }
  }
  if (runbook.cw_patch !== undefined) {
    const parsed = parse(runbook.cw_patch, "cw_patch");
    const first = parsed.diagnostics.find((d) => d.severity === "error");
    if (first) return { ok: false, problem: `cw_patch is not valid HCL: ${first.summary}` };
  }
  return validated;
}

/** The pinned runbook for this difference, or a new one from the model (then pinned). */
export async function proposeRunbook(
  difference: UnfixedDifference,
  options: ProposalOptions,
): Promise<Proposal> {
  const request = runbookRequest(difference);
  const key = pinKey(request, options.model);
  const pinned = options.pins[key];
  if (pinned) {
    const check = checkRunbook(pinned.answer, difference.address, options.checkScript);
    if (check.ok) {
      return {
        ok: true,
        runbook: check.answer,
        fromPin: true,
        pins: options.pins,
        pinsChanged: false,
      };
    }
  }
  const asked = await askModel(
    options.provider,
    request,
    (data) => checkRunbook(data, difference.address, options.checkScript),
    options,
  );
  if (!asked.ok) return asked;
  const pins = replacePin(options.pins, key, {
    address: difference.address,
    field: "runbook",
    provider: options.provider.name,
    model: options.model,
    request,
    answer: asked.answer as unknown as Record<string, unknown>,
  });
  return { ok: true, runbook: asked.answer, fromPin: false, pins, pinsChanged: true };
}
