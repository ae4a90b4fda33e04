/**
 * Plan rendering: Terraform-style text for people and the JSON document of
 * CLI.md for programs. Sensitive values are redacted in both.
 */
import type { Change, Plan } from "./types.ts";
import { BASE64_ATTRIBUTES, binarySummary, SENSITIVE } from "./_diff.ts";
import { addressSteps } from "../config/mod.ts";
import { isUnknown } from "../hcl/mod.ts";

export interface RenderPlanOptions {
  /** ANSI colours for the action symbols. */
  readonly color?: boolean;
  /** Previously recorded outputs, to show which outputs change. */
  readonly priorOutputs?: Readonly<Record<string, { value: unknown; sensitive: boolean }>>;
}

const COLORS = { create: "32", update: "33", replace: "35", delete: "31", bold: "1", dim: "2" };
type Tone = keyof typeof COLORS;

const HEADLINE: Record<Change["action"], string> = {
  create: "will be created",
  update: "will be updated in-place",
  replace: "must be replaced",
  delete: "will be destroyed",
  "no-op": "is unchanged",
};

const SYMBOL: Record<Change["action"], string> = {
  create: "+",
  update: "~",
  replace: "-/+",
  delete: "-",
  "no-op": " ",
};

function resourceHeader(change: Change): string {
  const type = change.type;
  const name = change.resource?.name ?? nameFromAddress(change.address);
  return `resource ${JSON.stringify(type)} ${JSON.stringify(name)}`;
}

function nameFromAddress(address: string): string {
  const steps = addressSteps(address);
  return steps ? steps[steps.length - 1].name : address;
}

/** HCL-like text for a value on one line (multi-line strings are handled by the caller). */
export function formatValue(value: unknown): string {
  if (value === SENSITIVE) return SENSITIVE;
  // An output that reads what only apply (or an AI answer not available) can tell.
  if (isUnknown(value)) return "(known after apply)";
  if (value === undefined || value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([k, v]) => `${k} = ${formatValue(v)}`).join(", ")} }`;
}

/** An attribute's value on one line: bytes carried as base64 are shown by their size. */
function formatAttribute(key: string, value: unknown): string {
  if (BASE64_ATTRIBUTES.has(key) && typeof value === "string" && value !== SENSITIVE) {
    return binarySummary(value);
  }
  return formatValue(value);
}

function isMultiline(v: unknown): v is string {
  return typeof v === "string" && v.includes("\n") && v !== SENSITIVE;
}

function heredoc(lines: string[], indent: string, marks: string[]): string[] {
  return [
    ...lines.map((l, i) => `${indent}    ${marks[i] ?? " "} ${l}`.trimEnd()),
    `${indent}  EOT`,
  ];
}

/**
 * Attribute lines of one change. Unchanged attributes of an update are shown
 * without a symbol, as Terraform does.
 */
function attributeLines(change: Change, paint: (t: Tone, s: string) => string): string[] {
  const indent = "      ";
  const before = change.before ?? {};
  const after = change.after ?? {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const unknown = new Set(change.resource?.aiFields ?? []);
  const width = Math.max(0, ...keys.map((k) => k.length), ...[...unknown].map((k) => k.length));
  const changed = new Map(change.attributeChanges.map((c) => [c.name, c]));
  const out: string[] = [];
  const line = (sym: string, tone: Tone | null, key: string, text: string) =>
    `${indent}${tone ? paint(tone, sym) : sym} ${key.padEnd(width)} = ${text}`;
  const valueText = (v: unknown, key: string, lines: string[], sym: string, tone: Tone | null) => {
    if (isMultiline(v)) {
      const body = v.endsWith("\n") ? v.slice(0, -1).split("\n") : v.split("\n");
      lines.push(line(sym, tone, key, "<<-EOT"));
      lines.push(...heredoc(body, indent, []));
    } else lines.push(line(sym, tone, key, formatAttribute(key, v)));
  };
  if (change.action === "create") {
    for (const key of keys) valueText(after[key], key, out, "+", "create");
    for (const key of [...unknown].sort()) {
      if (!(key in after)) out.push(line("+", "create", key, "(known after apply)"));
    }
    return out;
  }
  if (change.action === "delete") {
    for (const key of keys) {
      if (isMultiline(before[key])) valueText(before[key], key, out, "-", "delete");
      else out.push(line("-", "delete", key, `${formatAttribute(key, before[key])} -> null`));
    }
    return out;
  }
  let hidden = 0;
  for (const key of keys) {
    const c = changed.get(key);
    if (!c) {
      const v = after[key] ?? before[key];
      if (isMultiline(v)) hidden++;
      else out.push(line(" ", null, key, formatAttribute(key, v)));
      continue;
    }
    const b = c.sensitive ? SENSITIVE : before[key];
    const a = c.sensitive ? SENSITIVE : after[key];
    const note = c.forcesReplacement && change.action === "replace"
      ? paint("delete", " # forces replacement")
      : "";
    if (isMultiline(b) || isMultiline(a)) {
      out.push(line("~", "update", key, "<<-EOT") + note);
      out.push(...lineDiff(String(b ?? ""), String(a ?? ""), indent, paint));
    } else {
      out.push(
        line("~", "update", key, `${formatAttribute(key, b)} -> ${formatAttribute(key, a)}`) +
          note,
      );
    }
  }
  if (hidden > 0) {
    out.push(
      `${indent}  # (${hidden} unchanged multi-line attribute${hidden === 1 ? "" : "s"} hidden)`,
    );
  }
  return out;
}

/** Changed region between common leading and trailing lines: linear, enough to show an edit. */
function lineDiff(
  before: string,
  after: string,
  indent: string,
  paint: (t: Tone, s: string) => string,
): string[] {
  const split = (s: string) => (s.endsWith("\n") ? s.slice(0, -1) : s).split("\n");
  const a = split(before);
  const b = split(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: string[] = [];
  const context = 2;
  if (start > context) out.push(`${indent}      # (${unchangedLines(start - context)} hidden)`);
  for (let i = Math.max(0, start - context); i < start; i++) {
    out.push(`${indent}      ${a[i]}`.trimEnd());
  }
  for (let i = start; i < endA; i++) {
    out.push(`${indent}    ${paint("delete", "-")} ${a[i]}`.trimEnd());
  }
  for (let i = start; i < endB; i++) {
    out.push(`${indent}    ${paint("create", "+")} ${b[i]}`.trimEnd());
  }
  const tail = Math.min(a.length, endA + context);
  for (let i = endA; i < tail; i++) out.push(`${indent}      ${a[i]}`.trimEnd());
  if (a.length > tail) out.push(`${indent}      # (${unchangedLines(a.length - tail)} hidden)`);
  out.push(`${indent}  EOT`);
  return out;
}

function unchangedLines(n: number): string {
  return `${n} unchanged line${n === 1 ? "" : "s"}`;
}

export function renderPlan(plan: Plan, options: RenderPlanOptions = {}): string {
  const paint = (tone: Tone, text: string) =>
    options.color ? `\x1b[${COLORS[tone]}m${text}\x1b[0m` : text;
  const visible = plan.changes.filter((c) => c.action !== "no-op");
  const out: string[] = [];
  const outputLines = outputChanges(plan, options.priorOutputs);
  if (visible.length === 0) {
    if (outputLines.length === 0) {
      return "No changes. Your infrastructure matches the configuration.\n";
    }
    out.push("No changes to resources. Only outputs change.", "");
    out.push("Changes to Outputs:", ...outputLines.map((l) => paintOutput(l, paint)), "");
    return out.join("\n");
  }
  out.push("Clockwork will perform the following actions:", "");
  for (const c of visible) {
    const headline = c.action === "replace" && c.resource?.lifecycle.createBeforeDestroy
      ? "must be replaced (the new one is created before the old one is destroyed)"
      : HEADLINE[c.action];
    out.push(paint("bold", `  # ${c.address} ${headline}`));
    if (c.action !== "create" || c.prior) {
      for (const r of c.reasons) out.push(paint("dim", `  # (${r})`));
    }
    if (c.aiFilled.length > 0) {
      out.push(paint("dim", `  # (from AI, pinned in clockwork.lock: ${c.aiFilled.join(", ")})`));
    }
    const tone: Tone = c.action === "no-op" ? "bold" : c.action;
    const createFirst = c.action === "replace" && c.resource?.lifecycle.createBeforeDestroy;
    const symbol = createFirst ? "+/-" : SYMBOL[c.action];
    out.push(
      `${" ".repeat(Math.max(0, 3 - symbol.length))}${paint(tone, symbol)} ${resourceHeader(c)} {`,
    );
    out.push(...attributeLines(c, paint));
    out.push("    }", "");
  }
  const add = plan.summary.create + plan.summary.replace;
  const change = plan.summary.update;
  const destroy = plan.summary.delete + plan.summary.replace;
  out.push(paint("bold", `Plan: ${add} to add, ${change} to change, ${destroy} to destroy.`));
  if (outputLines.length > 0) {
    out.push("", "Changes to Outputs:", ...outputLines.map((l) => paintOutput(l, paint)));
  }
  return out.join("\n") + "\n";
}

function paintOutput(line: string, paint: (t: Tone, s: string) => string): string {
  const sym = line.trimStart()[0];
  const tone: Tone = sym === "+" ? "create" : sym === "-" ? "delete" : "update";
  return line.replace(sym, paint(tone, sym));
}

function outputChanges(
  plan: Plan,
  prior: RenderPlanOptions["priorOutputs"],
): string[] {
  // A targeted destroy leaves every output as it is (apply keeps them).
  if (plan.destroy && plan.targets.length > 0) return [];
  const before = prior ?? {};
  const after = plan.outputs;
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const width = Math.max(0, ...names.map((n) => n.length));
  const show = (o: { value: unknown; sensitive: boolean }) =>
    o.sensitive ? SENSITIVE : formatValue(o.value);
  const lines: string[] = [];
  for (const name of names) {
    const b = before[name];
    const a = after[name];
    if (!b && a) lines.push(`  + ${name.padEnd(width)} = ${show(a)}`);
    else if (b && !a) lines.push(`  - ${name.padEnd(width)} = ${show(b)} -> null`);
    else if (a && b && JSON.stringify(a.value) !== JSON.stringify(b.value)) {
      lines.push(`  ~ ${name.padEnd(width)} = ${show(b)} -> ${show(a)}`);
    }
  }
  return lines;
}

/** The JSON document of `plan --json` (CLI.md), sensitive values redacted. */
export function planDocument(plan: Plan): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(plan.outputs)) {
    outputs[name] = { value: o.sensitive ? SENSITIVE : o.value, sensitive: o.sensitive };
  }
  return {
    format_version: "1",
    changes: plan.changes.map((c) => ({
      address: c.address,
      type: c.type,
      action: c.action,
      reasons: c.reasons,
      before: c.before,
      after: c.after,
      attribute_changes: c.attributeChanges.map((a) => ({
        name: a.name,
        before: a.sensitive ? SENSITIVE : a.before,
        after: a.sensitive ? SENSITIVE : a.after,
        sensitive: a.sensitive,
        forces_replacement: a.forcesReplacement,
      })),
    })),
    summary: plan.summary,
    outputs,
    steps: plan.steps.map((s) => ({
      id: s.id,
      address: s.address,
      action: s.action,
      depends_on: s.dependsOn,
    })),
    targets: plan.targets,
    destroy: plan.destroy,
  };
}
