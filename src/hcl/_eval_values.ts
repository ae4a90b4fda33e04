/**
 * Value helpers shared by the evaluator and the function library: marks
 * (unknown / sensitive), HCL's primitive conversions, number formatting,
 * structural equality and name suggestions.
 */
import { Sensitive, typeName, UNKNOWN, type Value, type ValueObject } from "./value.ts";

export const HAS_UNKNOWN = 1;
export const HAS_SENSITIVE = 2;

/** Bit set of HAS_UNKNOWN / HAS_SENSITIVE found anywhere inside `v`. */
export function scanMarks(v: Value): number {
  if (v === null || typeof v !== "object") return 0;
  if (v === UNKNOWN) return HAS_UNKNOWN;
  if (v instanceof Sensitive) return HAS_SENSITIVE | scanMarks(v.value);
  let flags = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && flags !== 3; i++) flags |= scanMarks(v[i]);
  } else {
    for (const k in v) {
      flags |= scanMarks((v as ValueObject)[k]);
      if (flags === 3) break;
    }
  }
  return flags;
}

/** Wraps `v` as sensitive when `sensitive` is set (never double-wraps). */
export function mark(v: Value, sensitive: boolean): Value {
  if (!sensitive || v instanceof Sensitive) return v;
  return new Sensitive(v);
}

/** Removes every Sensitive wrapper (deeply). */
export function deepUnmark(v: Value): Value {
  if (v === null || typeof v !== "object" || v === UNKNOWN) return v;
  if (v instanceof Sensitive) return deepUnmark(v.value);
  if (Array.isArray(v)) return v.map(deepUnmark);
  const out: ValueObject = Object.create(null);
  for (const k in v) out[k] = deepUnmark((v as ValueObject)[k]);
  return out;
}

export function newObject(): ValueObject {
  return Object.create(null);
}

export function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/**
 * The own property `key` of a value object, or undefined. Fast path for the
 * common case; inherited members of ordinary objects (`toString`,
 * `__proto__`) are never mistaken for attributes.
 */
export function ownValue(o: Readonly<Record<string, Value>>, key: string): Value | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v === "function" || v === Object.prototype) return hasOwn(o, key) ? v : undefined;
  return v;
}

/** Keys of an object/map in the order HCL iterates them (lexical). */
export function sortedKeys(o: ValueObject): string[] {
  const keys = Object.keys(o);
  return keys.sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Numbers as HCL writes them: plain decimal, never exponent form
 * (`1e21` is "1000000000000000000000", `1e-7` is "0.0000001").
 */
export function numberToString(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf";
  const s = String(n);
  const e = s.indexOf("e");
  if (e < 0) return s;
  let mantissa = s.slice(0, e);
  const exponent = Number(s.slice(e + 1));
  const negative = mantissa[0] === "-";
  if (negative) mantissa = mantissa.slice(1);
  const dot = mantissa.indexOf(".");
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot < 0 ? mantissa.length : dot) + exponent;
  let out: string;
  if (point <= 0) out = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = digits.slice(0, point) + "." + digits.slice(point);
  return negative ? "-" + out : out;
}

const NUMBER_SYNTAX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** String to number as HCL converts it; undefined when the text is not a number. */
export function parseNumber(s: string): number | undefined {
  return NUMBER_SYNTAX.test(s) ? Number(s) : undefined;
}

/** HCL's implicit conversion to number; undefined when not convertible. Input must be unmarked and known. */
export function convertToNumber(v: Value): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string") return parseNumber(v);
  return undefined;
}

/** As cty converts: a bool, or the strings "true", "false", "1" and "0". */
export function convertToBool(v: Value): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  return undefined;
}

export function convertToString(v: Value): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number") return numberToString(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return undefined;
}

/** Type description for messages: "string", "number", "bool", "null", "tuple", "object". */
export const describeType: (v: Value) => string = typeName;

/**
 * Structural equality as HCL's `==`. Sensitive wrappers are looked through
 * (the caller marks the result); UNKNOWN anywhere makes the answer unknown.
 */
export function valuesEqual(a: Value, b: Value): boolean | typeof UNKNOWN {
  if (a instanceof Sensitive) a = a.value;
  if (b instanceof Sensitive) b = b.value;
  if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    let unknown = false;
    for (let i = 0; i < a.length; i++) {
      const r = valuesEqual(a[i], b[i]);
      if (r === false) return false;
      if (r === UNKNOWN) unknown = true;
    }
    return unknown ? UNKNOWN : true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as ValueObject;
  const bo = b as ValueObject;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  let unknown = false;
  for (const k of keys) {
    if (!hasOwn(bo, k)) return false;
    const r = valuesEqual(ao[k], bo[k]);
    if (r === false) return false;
    if (r === UNKNOWN) unknown = true;
  }
  return unknown ? UNKNOWN : true;
}

/** Edits between two names, a swap of neighbours counting as one (`prot` → `port`). */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before = new Array<number>(b.length + 1);
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (
        i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) &&
        a.charCodeAt(i - 2) === b.charCodeAt(j - 1)
      ) cur[j] = Math.min(cur[j], before[j - 2] + 1);
    }
    [before, prev, cur] = [prev, cur, before];
  }
  return prev[b.length];
}

/**
 * The closest candidate within `limit` edits (2 by default, as Terraform
 * suggests names), if any; ties go to the alphabetically first.
 */
export function suggestName(
  name: string,
  candidates: Iterable<string>,
  limit = 2,
): string | undefined {
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(name, c, limit);
    if (d < bestDistance || (d === bestDistance && best !== undefined && c < best)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

export function didYouMean(name: string, candidates: Iterable<string>, limit = 2): string {
  const s = suggestName(name, candidates, limit);
  return s === undefined ? "" : ` Did you mean "${s}"?`;
}
