/**
 * Which differences a plan holds (drift vs configuration edits vs removals),
 * which of them the auto-fix policy lets the daemon apply, and the smallest
 * plan that applies exactly those.
 */
import { type Change, type Plan, shellWord } from "../plan/mod.ts";
import type { State } from "../state/mod.ts";
import type { RepairBudget } from "./_budget.ts";
import {
  type AutoFixPolicy,
  type DifferenceKind,
  REPAIRABLE_TYPES,
  type SkipReason,
} from "./types.ts";

export interface Difference {
  readonly change: Change;
  readonly kind: DifferenceKind;
}

/**
 * Drift is a recorded resource whose configuration did not change but whose
 * live state did: the planner then gives no attribute changes, only reasons
 * from observation. Anything with attribute or host changes, or not yet
 * recorded, is a configuration change; a recorded resource the configuration
 * no longer has is a delete.
 */
export function classify(change: Change): DifferenceKind | null {
  if (change.action === "no-op") return null;
  if (change.action === "delete") return "delete";
  const hostMoved = change.prior !== null && change.resource !== null &&
    (change.prior.host ?? null) !== (change.resource.host ?? null);
  if (
    change.prior !== null && change.attributeChanges.length === 0 && !hostMoved &&
    (change.action === "update" || change.action === "create")
  ) return "drift";
  return "config";
}

export function differences(plan: Plan): Difference[] {
  const out: Difference[] = [];
  for (const change of plan.changes) {
    const kind = classify(change);
    if (kind) out.push({ change, kind });
  }
  return out;
}

export type Decision =
  | { readonly difference: Difference; readonly apply: true }
  | {
    readonly difference: Difference;
    readonly apply: false;
    readonly reason: SkipReason;
    readonly message: string;
    readonly proposed?: string;
  };

/** Characters a POSIX shell takes literally in an unquoted word. */
/** What the policy and the budget say about each difference, in plan order. */
export function decide(
  found: readonly Difference[],
  policy: AutoFixPolicy,
  budget: RepairBudget,
  now: number,
): Decision[] {
  return found.map((difference): Decision => {
    const { change, kind } = difference;
    const apply = `clockwork apply --target ${shellWord(change.address)}`;
    if (kind === "delete") {
      return {
        difference,
        apply: false,
        reason: "delete",
        message: "deletes are never applied automatically",
        proposed: apply,
      };
    }
    if (kind === "drift" && !REPAIRABLE_TYPES.has(change.type)) {
      return {
        difference,
        apply: false,
        reason: "unrepairable",
        message: `the daemon does not repair ${change.type} resources`,
        proposed: apply,
      };
    }
    const covered = policy === "all" || (policy === "drift" && kind === "drift");
    if (!covered) {
      return {
        difference,
        apply: false,
        reason: "policy",
        message: kind === "drift"
          ? "--auto-fix none"
          : `configuration changes are applied only with --auto-fix all`,
        proposed: apply,
      };
    }
    if (!budget.allows(change.address, now)) {
      return {
        difference,
        apply: false,
        reason: "flapping",
        message: `flapping: already repaired ${
          budget.count(change.address, now)
        } times ${budget.windowText()}; not repairing again`,
        proposed: apply,
      };
    }
    return { difference, apply: true };
  });
}

function recount(changes: readonly Change[]): Plan["summary"] {
  const summary = { create: 0, update: 0, replace: 0, delete: 0, no_op: 0 };
  for (const c of changes) summary[c.action === "no-op" ? "no_op" : c.action]++;
  return summary;
}

/**
 * The plan restricted to `addresses`: their changes and steps, with ordering
 * kept among them and dropped towards steps that do not run. Targeted (so
 * apply leaves the recorded configuration digest alone) and carrying the
 * recorded outputs (so a repair never publishes outputs of an unapplied edit).
 */
export function subsetPlan(
  plan: Plan,
  addresses: ReadonlySet<string>,
  state: State | null,
): Plan {
  const changes = plan.changes.filter((c) => addresses.has(c.address));
  const steps = plan.steps.filter((s) => addresses.has(s.address));
  const kept = new Set(steps.map((s) => s.id));
  return {
    ...plan,
    changes,
    steps: steps.map((s) => ({ ...s, dependsOn: s.dependsOn.filter((id) => kept.has(id)) })),
    summary: recount(changes),
    outputs: { ...(state?.outputs ?? {}) },
    targets: changes.map((c) => c.address),
  };
}

/** A short account of a difference for one human line: "modified outside Clockwork". */
export function describe(change: Change, kind: DifferenceKind): string {
  if (kind === "delete") return "is no longer in the configuration";
  const first = change.reasons[0] ?? "";
  if (kind === "drift") {
    if (/modified outside Clockwork/.test(first)) return "modified outside Clockwork";
    if (/no longer exists/.test(first)) {
      return change.type === "container"
        ? "removed outside Clockwork"
        : "deleted outside Clockwork";
    }
    if (/not running/.test(first)) return "stopped outside Clockwork";
    if (/mode was changed/.test(first)) return "mode changed outside Clockwork";
  }
  if (change.action === "create" && change.prior === null) return "is new in the configuration";
  const text = change.reasons.map((r) => r.replace(/\s*\([^)]*\)\s*$/, "")).join("; ");
  return text || `${change.action} pending`;
}
