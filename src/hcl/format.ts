// STUB: replaced by the HCL formatter work (issue 3).
import type { Diagnostic } from "./diagnostics.ts";

/** Canonical formatting as `terraform fmt` produces; returns the input unchanged when it does not parse. */
export function format(
  source: string,
  _filename: string,
): { text: string; diagnostics: Diagnostic[] } {
  return { text: source, diagnostics: [] };
}
