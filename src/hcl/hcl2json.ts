/**
 * The JSON that the `hcl2json` tool produces for a file (the format of
 * `@cdktn/hcl2json`), so users and tests can compare us with HashiCorp's
 * parser. Its rules, established by running the reference on many inputs:
 *
 * - A body is an object with keys in sorted order. Blocks nest by type, then
 *   by each label, into arrays of bodies; an attribute replaces a block of the
 *   same name. Blocks of one type must agree on having labels.
 * - Literals are JSON values; `-` before a number literal and `!` before a
 *   bool literal are folded (other operands are errors); tuples and objects
 *   convert item by item.
 * - Templates are re-rendered: literal text with `${`/`%{` escaped again,
 *   interpolations as `${source}`, directives as `%{if …}`/`%{for …}` without
 *   strip markers. A template that is one interpolation converts its
 *   expression; literals interpolated into text are written exactly.
 * - Any other expression becomes `"${source text}"`.
 */
import type { Block, Body, Expression, LiteralExpr, TemplateExpr, TemplatePart } from "./ast.ts";
import type { Diagnostic } from "./diagnostics.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What the `hcl2json` tool returns for the same file. */
export function toHcl2Json(body: Body, source: string): unknown {
  return convertToHcl2Json(body, source).value;
}

/**
 * As `toHcl2Json`, plus the conversion errors the tool reports for files that
 * parse (mixed labelled/unlabelled blocks, invalid literal operations), in
 * which case the tool returns no JSON at all.
 */
export function convertToHcl2Json(
  body: Body,
  source: string,
): { value: unknown; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const fail = (summary: string, subject: Body["range"]) => {
    diagnostics.push({ severity: "error", code: "CW1090", summary, subject });
  };
  const src = (e: { range: { start: number; end: number } }) =>
    source.slice(e.range.start, e.range.end);
  const wrap = (e: Expression) => "${" + src(e) + "}";

  const convertBody = (b: Body): Json => {
    const out = new Map<string, Json>();
    const blocks = new Map<string, Block[]>();
    for (const item of b.items) {
      if (item.kind === "Block") {
        const list = blocks.get(item.type);
        if (list) list.push(item);
        else blocks.set(item.type, [item]);
      }
    }
    for (const [type, list] of blocks) out.set(type, convertBlocks(list, 0));
    for (const item of b.items) {
      if (item.kind === "Attribute") out.set(item.name, convertExpr(item.expr));
    }
    return sortedObject(out);
  };

  /** Blocks sharing a type and their first `depth` labels. */
  const convertBlocks = (list: Block[], depth: number): Json => {
    const labelled = list[0].labels.length > depth;
    for (const b of list) {
      if ((b.labels.length > depth) !== labelled) {
        fail(`Blocks "${b.type}" mix labelled and unlabelled forms`, b.range);
        return null;
      }
    }
    if (!labelled) return list.map((b) => convertBody(b.body));
    const groups = new Map<string, Block[]>();
    for (const b of list) {
      const label = b.labels[depth].value;
      const g = groups.get(label);
      if (g) g.push(b);
      else groups.set(label, [b]);
    }
    const out = new Map<string, Json>();
    for (const [label, g] of groups) out.set(label, convertBlocks(g, depth + 1));
    return sortedObject(out);
  };

  const convertExpr = (e: Expression): Json => {
    switch (e.kind) {
      case "Literal":
        return literalJson(e);
      case "Template": {
        const only = e.parts.length === 1 ? e.parts[0] : undefined;
        if (only?.kind === "TemplateInterpolation" && e.heredoc === undefined) {
          return convertExpr(only.expr);
        }
        return renderParts(e.parts);
      }
      case "Tuple":
        return e.items.map(convertExpr);
      case "Object": {
        const out = new Map<string, Json>();
        for (const item of e.items) out.set(convertKey(item.key), convertExpr(item.value));
        return sortedObject(out);
      }
      case "Unary":
        if (e.operand.kind === "Literal") {
          const v = e.operand.value;
          if (e.op === "-" && typeof v === "number") return -v;
          if (e.op === "!" && typeof v === "boolean") return !v;
          fail(
            e.op === "-"
              ? "Unsuitable value for unary operand: number required"
              : "Invalid operand",
            e.range,
          );
          return null;
        }
        return wrap(e);
      default:
        return wrap(e);
    }
  };

  const convertKey = (key: Expression): string => {
    if (isTraversal(key)) return src(key);
    return stringPart(key);
  };

  const stringPart = (e: Expression): string => {
    switch (e.kind) {
      case "Literal":
        return literalText(e);
      case "Template":
        return renderParts(e.parts);
      case "Conditional":
        return "%{if " + src(e.condition) + "}" + stringPart(e.then) +
          elsePart(stringPart(e.else)) + "%{endif}";
      default:
        return wrap(e);
    }
  };

  const renderParts = (parts: readonly TemplatePart[]): string => {
    let out = "";
    for (const p of parts) {
      switch (p.kind) {
        case "TemplateLiteral":
          out += escapeTemplate(p.value);
          break;
        case "TemplateInterpolation":
          out += stringPart(p.expr);
          break;
        case "TemplateIf":
          out += "%{if " + src(p.condition) + "}" + renderParts(p.then) +
            elsePart(p.else ? renderParts(p.else) : "") + "%{endif}";
          break;
        case "TemplateFor":
          out += "%{for " + (p.keyVar !== undefined ? p.keyVar + ", " : "") + p.valueVar +
            " in " + src(p.collection) + "}" + renderParts(p.body) + "%{endfor}";
          break;
      }
    }
    return out;
  };

  const value = convertBody(body);
  return { value: diagnostics.length > 0 ? undefined : value, diagnostics };
}

function elsePart(text: string): string {
  return text === "" ? "" : "%{else}" + text;
}

/** A root variable followed by attribute names and literal indexes. */
function isTraversal(e: Expression): boolean {
  for (;;) {
    if (e.kind === "Variable") return true;
    if (e.kind === "GetAttr") e = e.object;
    else if (e.kind === "Index" && (e.key.kind === "Literal" || isLiteralTemplate(e.key))) {
      e = e.object;
    } else return false;
  }
}

function isLiteralTemplate(e: Expression): boolean {
  return e.kind === "Template" && e.heredoc === undefined &&
    e.parts.every((p) => p.kind === "TemplateLiteral");
}

function literalJson(e: LiteralExpr): Json {
  if (typeof e.value === "number") return Number(e.raw ?? e.value);
  return e.value;
}

/** How HashiCorp's cty writes a literal as a string: numbers exactly, in plain decimal. */
function literalText(e: LiteralExpr): string {
  if (e.value === null) return "null";
  if (typeof e.value === "boolean") return e.value ? "true" : "false";
  return e.raw !== undefined ? plainDecimal(e.raw) : String(e.value);
}

/** `1.50` → `1.5`, `1e3` → `1000`, `01` → `1`: exact, never in exponent form. */
export function plainDecimal(raw: string): string {
  let mantissa = raw;
  let exponent = 0;
  const e = raw.search(/[eE]/);
  if (e >= 0) {
    mantissa = raw.slice(0, e);
    exponent = parseInt(raw.slice(e + 1), 10);
  }
  const dot = mantissa.indexOf(".");
  let digits = dot >= 0 ? mantissa.slice(0, dot) + mantissa.slice(dot + 1) : mantissa;
  let point = (dot >= 0 ? dot : mantissa.length) + exponent;
  // Normalise: strip leading zeros (keeping the point aligned) and trailing zeros.
  let lead = 0;
  while (lead < digits.length - 1 && digits.charCodeAt(lead) === 48 && point > 1) {
    lead++;
    point--;
  }
  digits = digits.slice(lead);
  if (/^0*$/.test(digits)) return "0";
  if (point <= 0) digits = "0".repeat(1 - point) + digits, point = 1;
  if (point >= digits.length) return digits + "0".repeat(point - digits.length);
  const int = digits.slice(0, point);
  const frac = digits.slice(point).replace(/0+$/, "");
  return frac === "" ? int : `${int}.${frac}`;
}

function escapeTemplate(text: string): string {
  if (text.indexOf("{") < 0) return text;
  return text.replace(/\$\{/g, "$$$${").replace(/%\{/g, "%%{");
}

/** Go's encoding/json sorts map keys bytewise, which is code point order. */
function sortedObject(map: Map<string, Json>): { [key: string]: Json } {
  const keys = [...map.keys()].sort(compareCodePoints);
  const out: { [key: string]: Json } = {};
  for (const k of keys) out[k] = map.get(k)!;
  return out;
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

export type { TemplateExpr };
