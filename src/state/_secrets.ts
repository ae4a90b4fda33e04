/**
 * Which texts of state are secrets: the sensitive attributes' values. How
 * texts are masked is the rule in src/hcl/_mask.ts.
 */
import { maskable } from "../hcl/mod.ts";

/** The strings and numbers in a value, at any depth, as texts. */
export function textLeaves(value: unknown): string[] {
  const out: string[] = [];
  const collect = (item: unknown) => {
    if (typeof item === "string") out.push(item);
    else if (typeof item === "number" || typeof item === "bigint") out.push(String(item));
    else if (Array.isArray(item)) item.forEach(collect);
    else if (item !== null && typeof item === "object") Object.values(item).forEach(collect);
  };
  collect(value);
  return out;
}

/**
 * The sensitive texts of a resource's sensitive attributes. An attribute
 * that is one value is sensitive itself (whatever produced it). One that is
 * a map or a list is marked sensitive as a whole when any element is, so
 * only the elements that carry a known secret (`known`: the sensitive
 * variables' texts) count: a log level beside a token is not a secret.
 */
export function sensitiveAttributeTexts(
  resource: {
    readonly attributes: Readonly<Record<string, unknown>>;
    readonly sensitiveAttributes: readonly string[];
  },
  known: readonly string[],
): string[] {
  const secrets = maskable(known);
  const out: string[] = [];
  for (const name of resource.sensitiveAttributes) {
    const value = resource.attributes[name];
    if (value === null || typeof value !== "object") {
      out.push(...textLeaves(value));
      continue;
    }
    for (const leaf of textLeaves(value)) {
      if (secrets.some((secret) => leaf.includes(secret))) out.push(leaf);
    }
  }
  return out;
}
