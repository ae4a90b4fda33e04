/**
 * Diagnostic constructors. Only the Diagnostic *type* comes from src/hcl, so
 * loading state never loads the HCL engine (readers like `output` and
 * `state list` start faster).
 */
import type { Diagnostic } from "../hcl/mod.ts";

type Extra = Partial<Omit<Diagnostic, "severity" | "code" | "summary">>;

export function error(
  code: string,
  summary: string,
  _subject?: undefined,
  extra: Extra = {},
): Diagnostic {
  return { severity: "error", code, summary, ...extra };
}

export function warning(
  code: string,
  summary: string,
  _subject?: undefined,
  extra: Extra = {},
): Diagnostic {
  return { severity: "warning", code, summary, ...extra };
}
