/**
 * HCL values as plain JavaScript values, so configuration code can use them
 * directly and the evaluator stays fast:
 *
 * | HCL              | JavaScript                                   |
 * |------------------|----------------------------------------------|
 * | string           | string                                       |
 * | number           | number                                       |
 * | bool             | boolean                                      |
 * | null             | null                                         |
 * | tuple / list/set | Value[]                                      |
 * | object / map     | ValueObject (a null-prototype plain object)  |
 * | unknown          | the UNKNOWN singleton (known only after apply)|
 * | sensitive        | a Sensitive wrapper around any of the above  |
 *
 * Unknown propagates through every operation; Sensitive propagates to every
 * result derived from it, so renderers can print `(sensitive)`.
 */
export type Value = null | boolean | number | string | Value[] | ValueObject | Unknown | Sensitive;

export interface ValueObject {
  [key: string]: Value;
}

export class Unknown {
  private constructor() {}
  static readonly instance: Unknown = new Unknown();
  toJSON(): string {
    return "(known after apply)";
  }
}

export const UNKNOWN: Unknown = Unknown.instance;

export class Sensitive {
  constructor(readonly value: Value) {}
  toJSON(): string {
    return "(sensitive)";
  }
}

export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

export function isSensitive(v: unknown): v is Sensitive {
  return v instanceof Sensitive;
}

export function isObject(v: unknown): v is ValueObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Unknown) &&
    !(v instanceof Sensitive);
}

/** Removes Sensitive wrappers (deeply), returning whether any were found. */
export function unmark(v: Value): { value: Value; sensitive: boolean } {
  if (v === null || typeof v !== "object") return { value: v, sensitive: false };
  if (v instanceof Sensitive) return { value: unmark(v.value).value, sensitive: true };
  if (Array.isArray(v)) {
    let sensitive = false;
    const out = v.map((x) => {
      const r = unmark(x);
      sensitive ||= r.sensitive;
      return r.value;
    });
    return { value: out, sensitive };
  }
  if (isObject(v)) {
    let sensitive = false;
    const out: ValueObject = Object.create(null);
    for (const k of Object.keys(v)) {
      const r = unmark(v[k]);
      sensitive ||= r.sensitive;
      out[k] = r.value;
    }
    return { value: out, sensitive };
  }
  return { value: v, sensitive: false };
}

/** True when the value contains UNKNOWN anywhere. */
export function containsUnknown(v: Value): boolean {
  if (v === UNKNOWN) return true;
  if (v instanceof Sensitive) return containsUnknown(v.value);
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (isObject(v)) return Object.keys(v).some((k) => containsUnknown(v[k]));
  return false;
}

export function typeName(v: Value): string {
  if (v === null) return "null";
  if (v === UNKNOWN) return "unknown";
  if (v instanceof Sensitive) return typeName(v.value);
  if (Array.isArray(v)) return "tuple";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "bool";
    default:
      return "object";
  }
}
