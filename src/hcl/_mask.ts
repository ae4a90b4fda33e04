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
