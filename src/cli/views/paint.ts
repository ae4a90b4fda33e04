/**
 * Colour through tags: code decides *what* a piece of text is (`paint("error",
 * …)`), the io decides whether that becomes ANSI escapes. Golden files and
 * pipes therefore always get plain text.
 */
import type { Paint as DiagnosticPaint } from "../../hcl/mod.ts";
import { displayWidth } from "../../hcl/mod.ts";

export type Style =
  | "error"
  | "warning"
  | "note"
  | "gutter"
  | "bold"
  | "dim"
  | "ok"
  | "create"
  | "update"
  | "replace"
  | "delete";

export type Paint = (style: Style, text: string) => string;

const codes: Record<Style, string> = {
  error: "1;31",
  warning: "1;33",
  note: "1;36",
  gutter: "1;34",
  bold: "1",
  dim: "2",
  ok: "32",
  create: "32",
  update: "33",
  replace: "35",
  delete: "31",
};

export const plainPaint: Paint = (_style, text) => text;
export const ansiPaint: Paint = (style, text) =>
  text === "" ? text : `\x1b[${codes[style]}m${text}\x1b[0m`;

/** The painter for stdout: colours only when `color` is true (a terminal, no NO_COLOR). */
export function painter(io: { readonly color: boolean }): Paint {
  return io.color ? ansiPaint : plainPaint;
}

/** The painter for stderr, which may be a file while stdout is a terminal, or the reverse. */
export function stderrPainter(
  io: { readonly color: boolean; readonly stderrColor?: boolean },
): Paint {
  return (io.stderrColor ?? io.color) ? ansiPaint : plainPaint;
}

/** Our painter is a superset of the diagnostic renderer's styles. */
export function diagnosticPaint(paint: Paint): DiagnosticPaint {
  return paint;
}

// deno-lint-ignore no-control-regex -- ANSI escapes are exactly what we strip
const ANSI_PATTERN = /\x1b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}

/** Terminal columns of `text` without its ANSI escapes (wide characters count two). */
export function visibleWidth(text: string): number {
  return displayWidth(text.replace(ANSI_PATTERN, ""));
}
