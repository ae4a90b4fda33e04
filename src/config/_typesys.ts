/**
 * Variable type constraints (`string`, `list(T)`, `object({a = optional(number, 1)})`…)
 * and HCL's conversion of a value to one of them.
 */
import {
  type Diagnostic,
  error,
  type Expression,
  isObject,
  isSensitive,
  isUnknown,
  Sensitive,
  type Value,
  type ValueObject,
} from "../hcl/mod.ts";

export type HclType =
  | { readonly kind: "string" | "number" | "bool" | "any" }
  | { readonly kind: "list" | "set" | "map"; readonly element: HclType }
  | { readonly kind: "tuple"; readonly elements: readonly HclType[] }
  | { readonly kind: "object"; readonly attributes: Readonly<Record<string, ObjectAttribute>> };

export interface ObjectAttribute {
  readonly type: HclType;
  readonly optional: boolean;
  readonly default?: Value;
}

export const ANY: HclType = { kind: "any" };
export const STRING: HclType = { kind: "string" };

export function typeToString(t: HclType): string {
  switch (t.kind) {
    case "list":
    case "set":
    case "map":
      return `${t.kind}(${typeToString(t.element)})`;
    case "tuple":
      return `tuple([${t.elements.map(typeToString).join(", ")}])`;
    case "object": {
      const parts = Object.entries(t.attributes).map(([k, a]) =>
        `${k} = ${a.optional ? optionalToString(a) : typeToString(a.type)}`
      );
      return `object({${parts.join(", ")}})`;
    }
    default:
      return t.kind;
  }
}

function optionalToString(a: ObjectAttribute): string {
  const type = typeToString(a.type);
  return a.default === undefined
    ? `optional(${type})`
    : `optional(${type}, ${valueToHcl(a.default)})`;
}

/** A (converted, constant) value as HCL writes it, for defaults shown in types. */
function valueToHcl(v: Value): string {
  if (v === null) return "null";
  if (isSensitive(v)) return "(sensitive)";
  if (isUnknown(v)) return "(known after apply)";
  if (typeof v === "string") {
    // Written back as literal text: a `${` or `%{` in it is escaped by doubling.
    return JSON.stringify(v).replace(/([$%])\{/g, (_all, sign: string) => `${sign}${sign}{`);
  }
  if (typeof v === "number") return numberText(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(valueToHcl).join(", ")}]`;
  const keys = Object.keys(v);
  if (keys.length === 0) return "{}";
  const key = (k: string) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : JSON.stringify(k));
  return `{ ${keys.map((k) => `${key(k)} = ${valueToHcl(v[k])}`).join(", ")} }`;
}

/** Reads a type constraint from its (unevaluated) expression. */
export function parseTypeExpr(
  expr: Expression,
  evalDefault: (e: Expression) => Value,
  diags: Diagnostic[],
  allowOptional = false,
): HclType | ObjectAttribute {
  const bad = (what: string): HclType => {
    diags.push(
      error("CW2017", "Invalid type specification", expr.range, {
        detail: what,
      }),
    );
    return ANY;
  };
  if (expr.kind === "Variable") {
    if (["string", "number", "bool", "any"].includes(expr.name)) {
      return { kind: expr.name as "string" };
    }
    if (["list", "map", "set"].includes(expr.name)) {
      return { kind: expr.name as "list", element: ANY };
    }
    return bad(
      `"${expr.name}" is not a type: expected string, number, bool, any, list(T), set(T), map(T), object({...}) or tuple([...])`,
    );
  }
  if (
    expr.kind === "Template" && expr.parts.length === 1 && expr.parts[0].kind === "TemplateLiteral"
  ) {
    // Terraform 0.11's quoted types are an error since Terraform 0.15; the
    // type meant is still returned, so its uses are not reported as well.
    const name = expr.parts[0].value;
    const meant: HclType | undefined = name === "string"
      ? STRING
      : name === "list" || name === "map"
      ? { kind: name, element: STRING }
      : undefined;
    if (meant === undefined) return bad(`"${name}" is not a type`);
    diags.push(error("CW2017", "Invalid quoted type constraints", expr.range, {
      detail: meant.kind === "string"
        ? 'type constraints are written without quotes: remove the quotes around "string"'
        : `type constraints are written without quotes: remove the quotes around "${name}" and write ${name}(string) to say its elements are strings`,
    }));
    return meant;
  }
  if (expr.kind !== "Call") {
    return bad("expected a type such as string, list(string) or object({...})");
  }
  const args = expr.args;
  const single = (): HclType => {
    if (args.length !== 1) return bad(`${expr.name}(...) takes exactly one element type`);
    return asType(parseTypeExpr(args[0], evalDefault, diags));
  };
  switch (expr.name) {
    case "list":
    case "set":
    case "map":
      return { kind: expr.name, element: single() };
    case "tuple": {
      if (args.length !== 1 || args[0].kind !== "Tuple") {
        return bad("tuple takes a list of types: tuple([string, number])");
      }
      return {
        kind: "tuple",
        elements: args[0].items.map((e) => asType(parseTypeExpr(e, evalDefault, diags))),
      };
    }
    case "object": {
      if (args.length !== 1 || args[0].kind !== "Object") {
        return bad("object takes an object of attribute types: object({ name = string })");
      }
      const attributes: Record<string, ObjectAttribute> = Object.create(null);
      for (const item of args[0].items) {
        const key = objectKeyName(item.key, item.keyIsIdentifier);
        if (key === undefined) {
          diags.push(error("CW2017", "Invalid type specification", item.key.range, {
            detail: "object attribute names must be identifiers or quoted strings",
          }));
          continue;
        }
        const parsed = parseTypeExpr(item.value, evalDefault, diags, true);
        attributes[key] = "kind" in parsed ? { type: parsed, optional: false } : parsed;
      }
      return { kind: "object", attributes };
    }
    case "optional": {
      if (!allowOptional) {
        return bad("optional(...) is only allowed for attributes of object({...})");
      }
      if (args.length < 1 || args.length > 2) {
        return bad("optional takes a type and an optional default");
      }
      const type = asType(parseTypeExpr(args[0], evalDefault, diags));
      if (args.length === 1) return { type, optional: true };
      const raw = evalDefault(args[1]);
      const converted = convertValue(raw, type);
      if ("error" in converted) {
        diags.push(error("CW2017", "Invalid default for optional attribute", args[1].range, {
          detail: converted.error,
        }));
        return { type, optional: true };
      }
      return { type, optional: true, default: converted.value };
    }
    default:
      return bad(`"${expr.name}" is not a type constructor`);
  }
}

function asType(t: HclType | ObjectAttribute): HclType {
  return "kind" in t ? t : t.type;
}

export function objectKeyName(key: Expression, keyIsIdentifier: boolean): string | undefined {
  if (keyIsIdentifier && key.kind === "Variable") return key.name;
  if (
    key.kind === "Template" && key.parts.length === 1 && key.parts[0].kind === "TemplateLiteral"
  ) {
    return key.parts[0].value;
  }
  if (key.kind === "Template" && key.parts.length === 0) return "";
  return undefined;
}

export function describeValueType(v: Value): string {
  if (v === null) return "null";
  if (isUnknown(v)) return "unknown";
  if (isSensitive(v)) return describeValueType(v.value);
  if (Array.isArray(v)) return v.length === 0 ? "empty tuple" : "tuple";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "object") return "object";
  return typeof v;
}

const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function numberText(n: number): string {
  return String(n);
}

export type Converted = { value: Value } | { error: string };

/**
 * HCL's conversion to a type constraint: numbers and bools become strings and
 * back where the text allows, tuples become lists/sets, objects become maps.
 * Marks (Sensitive) survive; UNKNOWN passes through.
 */
export function convertValue(
  value: Value,
  type: HclType,
  path = "",
  insideSensitive = false,
): Converted {
  if (isSensitive(value)) {
    const inner = convertValue(value.value, type, path, true);
    return "error" in inner ? inner : { value: new Sensitive(inner.value) };
  }
  if (isUnknown(value) || type.kind === "any") return { value };
  if (value === null) return { value: null };
  switch (type.kind) {
    case "string":
      if (typeof value === "string") return { value };
      if (typeof value === "number") return { value: numberText(value) };
      if (typeof value === "boolean") return { value: value ? "true" : "false" };
      return mismatch(path, "string", value);
    case "number":
      if (typeof value === "number") return { value };
      if (typeof value === "string" && NUMBER_TEXT.test(value.trim())) {
        return { value: Number(value.trim()) };
      }
      return mismatch(path, "number", value);
    case "bool":
      if (typeof value === "boolean") return { value };
      if (value === "true" || value === "false") return { value: value === "true" };
      return mismatch(path, "bool", value);
    case "list":
    case "set": {
      if (!Array.isArray(value)) return mismatch(path, typeToString(type), value);
      const out: Value[] = [];
      for (let i = 0; i < value.length; i++) {
        const c = convertValue(value[i], type.element, `${path}[${i}]`, insideSensitive);
        if ("error" in c) return c;
        out.push(c.value);
      }
      if (type.kind === "set") return { value: dedupeSorted(out) };
      return { value: out };
    }
    case "tuple": {
      if (!Array.isArray(value)) return mismatch(path, typeToString(type), value);
      if (value.length !== type.elements.length) {
        // How long a sensitive value is is part of it.
        return {
          error: `${
            path ? `${path}: ` : ""
          }tuple of ${type.elements.length} elements required, but got ${
            insideSensitive ? "a sensitive value of another length" : value.length
          }`,
        };
      }
      const out: Value[] = [];
      for (let i = 0; i < value.length; i++) {
        const c = convertValue(value[i], type.elements[i], `${path}[${i}]`, insideSensitive);
        if ("error" in c) return c;
        out.push(c.value);
      }
      return { value: out };
    }
    case "map": {
      if (!isObject(value)) return mismatch(path, typeToString(type), value);
      const out: ValueObject = Object.create(null);
      for (const k of Object.keys(value)) {
        // The keys of a sensitive map are part of its value.
        const step = insideSensitive ? "[(sensitive)]" : `[${JSON.stringify(k)}]`;
        const c = convertValue(value[k], type.element, `${path}${step}`, insideSensitive);
        if ("error" in c) return c;
        out[k] = c.value;
      }
      return { value: out };
    }
    case "object": {
      if (!isObject(value)) return mismatch(path, typeToString(type), value);
      const out: ValueObject = Object.create(null);
      for (const [k, attr] of Object.entries(type.attributes)) {
        const sub = path ? `${path}.${k}` : k;
        if (!(k in value) || value[k] === null) {
          if (!attr.optional && !(k in value)) {
            return { error: `${path ? `${path}: ` : ""}attribute "${k}" is required` };
          }
          out[k] = attr.default !== undefined ? attr.default : null;
          continue;
        }
        const c = convertValue(value[k], attr.type, sub, insideSensitive);
        if ("error" in c) return c;
        out[k] = c.value;
      }
      // Attributes the type does not name are dropped, as Terraform's conversion does.
      return { value: out };
    }
  }
}

function mismatch(path: string, expected: string, value: Value): Converted {
  return {
    error: `${path ? `${path}: ` : ""}${expected} required, but got ${describeValueType(value)}`,
  };
}

function dedupeSorted(items: Value[]): Value[] {
  const seen = new Map<string, Value>();
  for (const item of items) seen.set(JSON.stringify(item), item);
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}
