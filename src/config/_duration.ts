/**
 * Durations as Go writes them (Terraform's timeouts, our settings, the
 * daemon's interval): one or more numbers with a unit, `500ms`, `30s`, `5m`,
 * `1h30m`, `1.5h`. One parser, so every place that takes a duration takes
 * the same text.
 */
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
/** The text of a duration, untrimmed (schemas publish it as their pattern). */
export const DURATION_TEXT = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;

/** Milliseconds, rounded; null when the text is not a duration. Zero is a duration ("0s"). */
export function parseDurationText(text: string): number | null {
  const trimmed = text.trim();
  if (!DURATION_TEXT.test(trimmed)) return null;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) total += Number(amount) * UNIT_MS[unit];
  return Math.round(total);
}
