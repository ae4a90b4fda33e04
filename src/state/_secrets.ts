/**
 * Which texts are masked as "(sensitive)" in messages and logs, one rule
 * for every place that masks: the values of sensitive variables, and of
 * resource attributes that are sensitive themselves, but never texts so
 * short that they occur in ordinary words ("e" would turn "exited with
 * code 1" into "(sensitive)xit(sensitive)d with cod(sensitive) 1" while
 * hiding nothing worth hiding).
 */

/** The shortest text that is masked. */
export const MIN_MASKED_LENGTH = 3;

export const MASK = "(sensitive)";

/**
 * The texts to mask among `values`: long enough, each once, longest first
 * (so that a secret containing another is masked whole, not around it).
 */
export function maskable(values: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const value of values) if (value.length >= MIN_MASKED_LENGTH) out.add(value);
  return [...out].sort((a, b) => b.length - a.length);
}

/** `text` with every one of `secrets` (as `maskable` gives them) replaced by "(sensitive)". */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.replaceAll(secret, MASK);
  return out;
}

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
