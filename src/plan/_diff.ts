/**
 * ASSEMBLY: desired state (Config) against recorded state (State) and what is
 * live now (Observation[]) → one Change per instance and the steps that carry
 * them out, ordered so independent steps can run in parallel.
 */
import {
  type AddressStep,
  addressSteps,
  canonicalJson,
  type Config,
  RESOURCE_TYPES,
  type ResourceInstance,
  sortAddresses,
} from "../config/mod.ts";
import type { Observation, State, StateResource } from "../state/mod.ts";
import { type Diagnostic, error, warning } from "../config/mod.ts";
import type { ActionKind, Change, Plan, PlanStep } from "./types.ts";
import { topologicalOrderOfIndexes } from "./_order.ts";
import { createHash } from "node:crypto";

export const SENSITIVE = "(sensitive)";

export interface PlanOptions {
  /** Plan the destruction of everything recorded (or of the targets and their dependents). */
  readonly destroy?: boolean;
  /** `--target` addresses: limit to these and what they depend on. */
  readonly targets?: readonly string[];
  /** What is live now; null or absent skips drift detection (`--refresh=false`). */
  readonly observations?: readonly Observation[] | null;
  /**
   * Addresses left out of this run altogether: neither planned nor destroyed
   * (resources whose AI-filled values could not be had, and their dependents).
   */
  readonly exclude?: ReadonlySet<string>;
}

type AttributeChange = Change["attributeChanges"][number];

/** `file.a["k"]` → `file.a`; `module.m["x"].file.a[0]` → `module.m["x"].file.a`. */
export function baseAddress(address: string): string {
  if (!address.endsWith("]")) return address;
  const steps = addressSteps(address);
  if (!steps) return address;
  const last = steps.length - 1;
  return steps.map((s, i) => i === last ? s.name : stepText(s)).join(".");
}

/**
 * Text every address a target selects starts with, to turn most addresses
 * away without parsing them: up to the first module's name (its key may be
 * left out), else up to the first key.
 */
function leadingText(target: string): string {
  if (target.startsWith("module.")) {
    let end = "module.".length;
    while (end < target.length && target[end] !== "[" && target[end] !== ".") end++;
    return target.slice(0, end);
  }
  const key = target.indexOf("[");
  return key < 0 ? target : target.slice(0, key);
}

function stepText(step: AddressStep): string {
  if (step.key === null) return step.name;
  return `${step.name}[${typeof step.key === "number" ? step.key : JSON.stringify(step.key)}]`;
}

/**
 * Whether `address` is selected by a `--target` value: an instance, a
 * resource (every instance), a module instance (`module.m["x"]`) or a module
 * (every instance). A step of the target without a key matches every key, as
 * in Terraform: `module.m.file.a` selects `module.m["x"].file.a[0]`.
 */
export function matchesTarget(address: string, target: string): boolean {
  if (address === target) return true;
  if (!address.startsWith(leadingText(target))) return false;
  const have = addressSteps(address);
  const want = addressSteps(target);
  if (!have || !want || want.length > have.length) return false;
  for (let i = 0; i < want.length; i++) {
    if (want[i].name !== have[i].name) return false;
    if (want[i].key !== null && want[i].key !== have[i].key) return false;
  }
  if (want.length === have.length) return true;
  // A shorter target names modules only: module.a, module.a["x"].module.b.
  if (want.length % 2 !== 0) return false;
  for (let i = 0; i < want.length; i += 2) if (want[i].name !== "module") return false;
  return true;
}

const NAME = "[A-Za-z_][A-Za-z0-9_-]*";
const KEY = String.raw`\[(?:\d+|"(?:[^"\\]|\\.)*")\]`;
const MODULE = `module\\.${NAME}(?:${KEY})?`;
const TARGET_ADDRESS = new RegExp(`^(?:${MODULE}\\.)*(?:${MODULE}|${NAME}\\.${NAME}(?:${KEY})?)$`);

/** An error for a --target that is not an address at all, so a typo cannot silently plan nothing. */
export function checkTargetAddress(target: string): Diagnostic | undefined {
  if (TARGET_ADDRESS.test(target)) return undefined;
  return error("CW3007", `Invalid target address "${target}"`, undefined, {
    detail:
      'a target is TYPE.NAME, TYPE.NAME[0], TYPE.NAME["key"] or module.M.TYPE.NAME (module.M for a whole module, module.M["key"] or module.M[0] for one instance of it)',
  });
}

const DEPOSED = "#deposed";

/**
 * Where the state keeps the old object of a create_before_destroy replace
 * whose delete failed (Terraform's "deposed" object): not in the
 * configuration, so the next plan deletes it again.
 */
export function deposedAddress(address: string): string {
  return `${address}${DEPOSED}`;
}

const PLAIN_SHELL_WORD = /^[A-Za-z0-9_.,:=@%+\/-]+$/;

/**
 * `text` as one word for a POSIX shell, so a suggested command can be pasted
 * as it is: a keyed address (`file.a["k"]`) holds quotes and brackets a shell
 * would strip or expand. Inside single quotes only `'` itself needs care.
 */
export function shellWord(text: string): string {
  if (PLAIN_SHELL_WORD.test(text)) return text;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Attributes the configuration derives rather than the user writes, each
 * diffed as the argument it stands for: a file whose `source` is not UTF-8
 * carries its bytes as base64 in `content_base64` in place of `content`.
 */
const DERIVED_ATTRIBUTES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  file: { content_base64: "content" },
};

/** Attributes holding bytes as base64: shown by size, never as their text. */
export const BASE64_ATTRIBUTES: ReadonlySet<string> = new Set(["content_base64"]);

function base64Bytes(base64: string): Uint8Array | undefined {
  try {
    return Uint8Array.fromBase64(base64);
  } catch {
    return undefined;
  }
}

/** "(binary, 300 bytes)": how base64 content is shown in plans and reasons. */
export function binarySummary(base64: string): string {
  const size = base64Bytes(base64)?.length;
  return size === undefined ? "(binary)" : `(binary, ${size} byte${size === 1 ? "" : "s"})`;
}

/** sha256 of the bytes a file's recorded attributes say it holds. */
function recordedContentSha256(attributes: Record<string, unknown>): string | undefined {
  if (typeof attributes.content === "string") return sha256(attributes.content);
  if (typeof attributes.content_base64 !== "string") return undefined;
  const bytes = base64Bytes(attributes.content_base64);
  return bytes === undefined ? undefined : sha256(bytes);
}

function short(hex: unknown): string {
  return typeof hex === "string" ? hex.slice(0, 12) : "unknown";
}

const MAX_REASON_VALUE = 200;

/**
 * One-line value text for reasons: strings quoted; a multi-line string shows
 * its first line and how many lines it has; very long text is shortened.
 */
export function reasonValue(value: unknown, sensitive: boolean): string {
  if (sensitive) return SENSITIVE;
  if (value === undefined || value === null) return "null";
  if (typeof value === "string" && value.includes("\n")) {
    const lines = value.replace(/\n$/, "").split("\n");
    if (lines.length > 1) return `${reasonValue(lines[0] + "…", false)} (${lines.length} lines)`;
  }
  const text = JSON.stringify(value);
  return text.length > MAX_REASON_VALUE ? `${text.slice(0, MAX_REASON_VALUE - 1)}…` : text;
}

function redact(
  attributes: Record<string, unknown> | null,
  sensitive: readonly string[],
): Record<string, unknown> | null {
  if (!attributes) return null;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(attributes).sort()) {
    out[key] = sensitive.includes(key) ? SENSITIVE : attributes[key];
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (typeof a !== "object" || typeof b !== "object") return false;
  return canonicalJson(a) === canonicalJson(b);
}

/** Attribute differences between the record and the configuration. */
function diffAttributes(
  desired: ResourceInstance,
  prior: StateResource,
): AttributeChange[] {
  const spec = RESOURCE_TYPES[desired.type];
  const derived = DERIVED_ATTRIBUTES[desired.type] ?? {};
  const known = spec
    ? [...Object.keys(spec.args), ...Object.keys(derived)]
    : Object.keys(desired.attributes);
  const ignored = new Set(desired.lifecycle.ignoreChanges);
  const changes: AttributeChange[] = [];
  for (const name of known.sort()) {
    const argument = derived[name] ?? name;
    if (ignored.has(argument)) continue;
    const after = desired.attributes[name];
    // An argument left to the AI and not filled yet keeps whatever was applied.
    if (after === undefined && desired.aiFields.includes(name)) continue;
    const before = prior.attributes[name];
    if (same(before, after)) continue;
    changes.push({
      name,
      before: before ?? null,
      after: after ?? null,
      sensitive: desired.sensitiveAttributes.includes(name) ||
        prior.sensitiveAttributes.includes(name),
      forcesReplacement: !spec || !spec.updatable.includes(argument),
    });
  }
  return changes;
}

/** Reasons that what is live differs from the record, and whether it needs a create rather than an update. */
function drift(
  desired: ResourceInstance,
  prior: StateResource,
  observed: Observation | undefined,
): { reasons: string[]; recreate: boolean } {
  if (!observed) return { reasons: [], recreate: false };
  const ignored = new Set(desired.lifecycle.ignoreChanges);
  const seen = observed.attributes;
  switch (desired.type) {
    case "file": {
      if (!observed.exists) return { reasons: ["file no longer exists"], recreate: false };
      const reasons: string[] = [];
      const expected = prior.observed?.sha256 ?? recordedContentSha256(prior.attributes);
      if (
        !ignored.has("content") && typeof expected === "string" &&
        typeof seen.sha256 === "string" && seen.sha256 !== expected
      ) {
        reasons.push(
          `file was modified outside Clockwork (sha256 ${short(seen.sha256)}…, recorded ${
            short(expected)
          }…)`,
        );
      }
      const mode = modeDrift(prior, seen, ignored);
      if (mode) reasons.push(mode);
      return { reasons, recreate: false };
    }
    case "directory": {
      if (!observed.exists) return { reasons: ["directory no longer exists"], recreate: false };
      const mode = modeDrift(prior, seen, ignored);
      return { reasons: mode ? [mode] : [], recreate: false };
    }
    case "container": {
      if (!observed.exists) return { reasons: ["container no longer exists"], recreate: true };
      if (seen.running === false) return { reasons: ["container is not running"], recreate: false };
      // A container replaced or re-run by hand under our label carries another digest.
      const recordedDigest = prior.observed?.config_digest;
      if (
        typeof recordedDigest === "string" && typeof seen.config_digest === "string" &&
        seen.config_digest !== recordedDigest
      ) {
        return {
          reasons: [
            `container was changed outside Clockwork (configuration ${
              short(seen.config_digest)
            }…, recorded ${short(recordedDigest)}…)`,
          ],
          recreate: false,
        };
      }
      return { reasons: [], recreate: false };
    }
    default:
      return { reasons: [], recreate: false };
  }
}

function modeDrift(
  prior: StateResource,
  seen: Record<string, unknown>,
  ignored: Set<string>,
): string | undefined {
  const want = prior.attributes.mode;
  if (ignored.has("mode") || typeof want !== "string" || typeof seen.mode !== "string") {
    return undefined;
  }
  if (normalizeMode(want) === normalizeMode(seen.mode)) return undefined;
  return `mode was changed outside Clockwork (${seen.mode} on disk, want ${want})`;
}

function normalizeMode(mode: string): string {
  return mode.replace(/^0+/, "").padStart(3, "0");
}

function attributeReason(c: AttributeChange): string {
  const shown = (value: unknown) =>
    BASE64_ATTRIBUTES.has(c.name) && !c.sensitive && typeof value === "string"
      ? binarySummary(value)
      : reasonValue(value, c.sensitive);
  return `${c.name} changed: ${shown(c.before)} → ${shown(c.after)}${
    c.forcesReplacement ? " (forces replacement)" : ""
  }`;
}

function emptySummary(): Plan["summary"] {
  return { create: 0, update: 0, replace: 0, delete: 0, no_op: 0 };
}

export function makePlan(
  config: Config | null,
  state: State | null,
  options: PlanOptions = {},
): { value: Plan; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const destroy = options.destroy === true;
  const targets = [...(options.targets ?? [])];
  const recorded = new Map((state?.resources ?? []).map((r) => [r.address, r]));
  const desiredAll = destroy ? [] : config?.resources ?? [];
  const desiredByAddress = new Map(desiredAll.map((r) => [r.address, r]));
  const observed = new Map((options.observations ?? []).map((o) => [o.address, o]));

  // Which addresses the plan may touch.
  let selectedDesired = desiredAll;
  let selectedRecorded = [...recorded.values()];
  if (targets.length > 0) {
    for (const t of targets) {
      const invalid = checkTargetAddress(t);
      if (invalid) {
        diagnostics.push(invalid);
        continue;
      }
      const any = desiredAll.some((r) => matchesTarget(r.address, t)) ||
        selectedRecorded.some((r) => matchesTarget(r.address, t));
      if (!any) {
        diagnostics.push(warning("CW3002", `Target "${t}" matches nothing`, undefined, {
          detail: "no resource in the configuration or the state has this address",
        }));
      }
    }
    const hit = (address: string) => targets.some((t) => matchesTarget(address, t));
    if (destroy) {
      // Destroying a target also destroys what depends on it.
      const chosen = new Set(selectedRecorded.filter((r) => hit(r.address)).map((r) => r.address));
      const dependents = new Map<string, string[]>();
      for (const r of recorded.values()) {
        for (const d of r.dependencies) {
          const list = dependents.get(d);
          if (list) list.push(r.address);
          else dependents.set(d, [r.address]);
        }
      }
      const queue = [...chosen];
      for (let i = 0; i < queue.length; i++) {
        for (const dep of dependents.get(queue[i]) ?? []) {
          if (!chosen.has(dep)) {
            chosen.add(dep);
            queue.push(dep);
          }
        }
      }
      selectedRecorded = selectedRecorded.filter((r) => chosen.has(r.address));
    } else {
      // Applying a target also applies what it depends on.
      const chosen = new Set(desiredAll.filter((r) => hit(r.address)).map((r) => r.address));
      const queue = [...chosen];
      for (let i = 0; i < queue.length; i++) {
        for (const dep of desiredByAddress.get(queue[i])?.dependsOn ?? []) {
          if (!chosen.has(dep)) {
            chosen.add(dep);
            queue.push(dep);
          }
        }
      }
      selectedDesired = desiredAll.filter((r) => chosen.has(r.address));
      selectedRecorded = selectedRecorded.filter((r) =>
        chosen.has(r.address) || (!desiredByAddress.has(r.address) && hit(r.address))
      );
    }
  }

  if (options.exclude?.size) {
    const excluded = options.exclude;
    selectedDesired = selectedDesired.filter((r) => !excluded.has(r.address));
    selectedRecorded = selectedRecorded.filter((r) => !excluded.has(r.address));
  }

  const changes: Change[] = [];
  const summary = emptySummary();
  const count = (action: ActionKind) => {
    summary[action === "no-op" ? "no_op" : action]++;
  };
  const declared = new Map((config?.resources ?? []).map((r) => [r.address, r]));
  const refuseReplace = (desired: ResourceInstance) => {
    diagnostics.push(error("CW3001", "Instance cannot be destroyed", desired.range, {
      detail:
        `${desired.address} has lifecycle.prevent_destroy set, but the plan would replace it. Remove prevent_destroy first, or leave it out of the plan with --target.`,
      address: desired.address,
    }));
  };
  // A destroy is refused on what the state records, which the configuration
  // may no longer say (or no longer declare at all): the text says which, so
  // the way out it offers is one that works.
  const refuseDestroy = (prior: StateResource) => {
    const address = prior.address;
    const source = declared.get(address);
    const wayOut =
      `Leave it out of the plan with --target, or forget it without destroying it with \`clockwork state rm ${
        shellWord(address)
      }\`.`;
    const detail = !source
      ? `${address} is no longer in the configuration, but the state records lifecycle.prevent_destroy for it, and the plan would destroy it. ${wayOut}`
      : source.lifecycle.preventDestroy
      ? `${address} has lifecycle.prevent_destroy set, but the plan would destroy it. Remove prevent_destroy first, or leave it out of the plan with --target.`
      : `${address} no longer sets lifecycle.prevent_destroy, but the state still records it, and a destroy goes by the state. Run \`clockwork apply\` to record the change, then destroy again.`;
    diagnostics.push(error("CW3001", "Instance cannot be destroyed", source?.range, {
      detail,
      address,
    }));
  };

  for (const desired of selectedDesired) {
    const prior = recorded.get(desired.address) ?? null;
    let action: ActionKind;
    let reasons: string[];
    let attributeChanges: AttributeChange[] = [];
    if (!prior) {
      action = "create";
      reasons = ["not yet created"];
    } else {
      attributeChanges = diffAttributes(desired, prior);
      reasons = attributeChanges.map(attributeReason);
      const replace = attributeChanges.some((c) => c.forcesReplacement);
      if ((desired.host ?? null) !== (prior.host ?? null)) {
        reasons.push(`host changed: ${prior.host ?? "local"} → ${desired.host ?? "local"}`);
      }
      if (replace || (desired.host ?? null) !== (prior.host ?? null)) action = "replace";
      else if (attributeChanges.length > 0) action = "update";
      else {
        const found = drift(desired, prior, observed.get(desired.address));
        reasons = found.reasons;
        action = found.recreate ? "create" : found.reasons.length > 0 ? "update" : "no-op";
      }
      if (action === "replace" && desired.lifecycle.preventDestroy) {
        refuseReplace(desired);
      }
    }
    count(action);
    changes.push({
      address: desired.address,
      type: desired.type,
      action,
      reasons,
      before: prior ? redact(prior.attributes, prior.sensitiveAttributes) : null,
      after: redact(desired.attributes, desired.sensitiveAttributes),
      attributeChanges,
      resource: desired,
      prior,
      aiFilled: desired.aiFields.filter((name) => desired.attributes[name] !== undefined),
    });
  }
  for (const prior of selectedRecorded) {
    if (desiredByAddress.has(prior.address)) continue;
    if (prior.preventDestroy) refuseDestroy(prior);
    count("delete");
    changes.push({
      address: prior.address,
      type: prior.type,
      action: "delete",
      reasons: [
        prior.address.endsWith(DEPOSED)
          ? "the old object of a create_before_destroy replace, whose delete failed"
          : destroy
          ? "destroy requested"
          : "no longer in the configuration",
      ],
      before: redact(prior.attributes, prior.sensitiveAttributes),
      after: null,
      attributeChanges: [],
      resource: null,
      prior,
      aiFilled: [],
    });
  }
  const sortedChanges = sortAddresses(changes, (c) => c.address);
  const steps = planSteps(sortedChanges, diagnostics);
  const outputs: Plan["outputs"] = {};
  if (!destroy && config) {
    for (const o of config.outputs) outputs[o.name] = { value: o.value, sensitive: o.sensitive };
  }
  const plan: Plan = {
    format_version: "1",
    configDigest: config?.digest ?? "",
    stateLineage: state?.lineage ?? null,
    stateSerial: state?.serial ?? 0,
    changes: sortedChanges,
    steps,
    summary,
    outputs,
    targets,
    destroy,
  };
  return { value: plan, diagnostics };
}

interface StepDraft {
  readonly address: string;
  readonly action: PlanStep["action"];
  /** Indexes of the steps that must finish first. */
  readonly after: number[];
}

/**
 * Steps with their dependencies: creates and updates after what they depend
 * on; deletes before the deletes of what they depended on (dependents
 * first); a replace is delete → create, or create → delete with
 * create_before_destroy. Steps are worked on by index: a plan of tens of
 * thousands of steps orders without building a string id per edge.
 */
function planSteps(changes: readonly Change[], diagnostics: Diagnostic[]): PlanStep[] {
  // `changes` is in address order; each address adds its steps delete first.
  const drafts: StepDraft[] = [];
  const forwardStep = new Map<string, number>();
  const deleteStep = new Map<string, number>();
  const add = (address: string, action: PlanStep["action"]): number => {
    const index = drafts.length;
    drafts.push({ address, action, after: [] });
    if (action === "delete") deleteStep.set(address, index);
    else forwardStep.set(address, index);
    return index;
  };
  for (const c of changes) {
    if (c.action === "create" && c.prior) {
      // Recreating something the record still holds (it vanished): a create step.
      add(c.address, "create");
    } else if (c.action === "create" || c.action === "update") add(c.address, c.action);
    else if (c.action === "delete") add(c.address, "delete");
    else if (c.action === "replace") {
      const del = add(c.address, "delete");
      const create = add(c.address, "create");
      if (c.resource?.lifecycle.createBeforeDestroy) drafts[del].after.push(create);
      else drafts[create].after.push(del);
    }
  }
  for (const c of changes) {
    const forward = forwardStep.get(c.address);
    if (forward !== undefined && c.resource) {
      const after = drafts[forward].after;
      for (const dep of c.resource.dependsOn) {
        const target = forwardStep.get(dep);
        if (target !== undefined) after.push(target);
      }
    }
    const del = deleteStep.get(c.address);
    if (del !== undefined && c.prior) {
      // Whatever this one depended on is deleted only after it.
      for (const dep of c.prior.dependencies) {
        const depDelete = deleteStep.get(dep);
        if (depDelete !== undefined) drafts[depDelete].after.push(del);
      }
    }
  }
  const ids = drafts.map((d) => `${d.address}:${d.action}`);
  // Drafts were numbered in address order (changes come sorted) and, within
  // an address, delete before create: the tie-break order the index gives.
  const { order, stuck } = topologicalOrderOfIndexes(drafts.map((d) => d.after));
  if (stuck.length > 0) {
    const stuckIds = stuck.map((i) => ids[i]).sort();
    diagnostics.push(
      error("CW3006", "The steps of this plan depend on each other in a cycle", undefined, {
        detail: `involved: ${
          stuckIds.join(", ")
        }; create_before_destroy on a resource whose dependents are replaced can cause this`,
      }),
    );
    const byId = new Map(stuck.map((i) => [ids[i], i]));
    for (const id of stuckIds) order.push(byId.get(id)!);
  }
  const position = new Int32Array(drafts.length);
  for (let p = 0; p < order.length; p++) position[order[p]] = p;
  return order.map((i) => {
    const after = drafts[i].after;
    const unique = after.length < 2
      ? after
      : [...new Set(after)].sort((a, b) => position[a] - position[b]);
    return {
      id: ids[i],
      address: drafts[i].address,
      action: drafts[i].action,
      dependsOn: unique.map((j) => ids[j]),
    };
  });
}
