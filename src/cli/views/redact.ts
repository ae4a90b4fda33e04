/**
 * Sensitive values print as `(sensitive)` everywhere. Everything that turns a
 * value into text for a user or a machine goes through these two functions.
 */
import { isObject, isSensitive, isUnknown } from "../../hcl/mod.ts";

export const SENSITIVE_TEXT = "(sensitive)";
export const UNKNOWN_TEXT = "(known after apply)";

/**
 * A JSON-safe copy: Sensitive becomes "(sensitive)", UNKNOWN "(known after
 * apply)", null-prototype objects become plain objects. Non-HCL inputs (plain
 * records of a JSON document) pass through, recursively redacted.
 */
export function toJsonValue(value: unknown): unknown {
  if (isSensitive(value)) return SENSITIVE_TEXT;
  if (isUnknown(value)) return UNKNOWN_TEXT;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Date) return value.toISOString();
  if (isObject(value) || (typeof value === "object" && value !== null)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) out[k] = toJsonValue(v);
    }
    return out;
  }
  return value;
}

/** HCL-like one-line text for human output: strings quoted, containers inline. */
export function formatValue(value: unknown): string {
  if (isSensitive(value)) return SENSITIVE_TEXT;
  if (isUnknown(value)) return UNKNOWN_TEXT;
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    return `{ ${entries.map(([k, v]) => `${k} = ${formatValue(v)}`).join(", ")} }`;
  }
  return String(value);
}
