/**
 * Canonical JSON (object keys sorted at every level, no whitespace) and its
 * sha256: the form every digest in state is computed over, so two processes
 * that hold equal values always compute equal digests.
 */
import { createHash } from "node:crypto";

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = sortKeys(item);
    }
    return out;
  }
  return value;
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The digest recorded for a resource: sha256 of the canonical JSON of its attributes. */
export function digestAttributes(attributes: Record<string, unknown>): string {
  return sha256Hex(canonicalJson(attributes));
}
