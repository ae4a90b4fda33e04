/**
 * Diagnostics are values. Every stage returns them beside its result and the
 * CLI renders them once, rustc-style, or as JSON with `--json`.
 */
import { type Range, SourceFile } from "./source.ts";

export type Severity = "error" | "warning";

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable code, `CW` + four digits; see docs/DIAGNOSTICS.md for the ranges. */
  readonly code: string;
  readonly summary: string;
  readonly detail?: string;
  /** The span the caret points at. */
  readonly subject?: Range;
  /** A wider span that gives context (for example the enclosing block). */
  readonly context?: Range;
  /** The resource address the diagnostic is about, when there is one. */
  readonly address?: string;
  readonly notes?: readonly string[];
}

export interface Result<T> {
  readonly value: T;
  readonly diagnostics: Diagnostic[];
}

export function error(
  code: string,
  summary: string,
  subject?: Range,
  extra: Partial<Omit<Diagnostic, "severity" | "code" | "summary" | "subject">> = {},
): Diagnostic {
  return { severity: "error", code, summary, ...(subject ? { subject } : {}), ...extra };
}

export function warning(
  code: string,
  summary: string,
  subject?: Range,
  extra: Partial<Omit<Diagnostic, "severity" | "code" | "summary" | "subject">> = {},
): Diagnostic {
  return { severity: "warning", code, summary, ...(subject ? { subject } : {}), ...extra };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Looks up the text of a file by name so the renderer can show a snippet. */
export type SourceLookup = (filename: string) => SourceFile | undefined;

export function sourceMap(files: Iterable<SourceFile>): SourceLookup {
  const byName = new Map<string, SourceFile>();
  for (const f of files) byName.set(f.filename, f);
  return (name) => byName.get(name);
}

/** Colour is applied through tags so golden files stay plain text. */
export type Style = "error" | "warning" | "note" | "gutter" | "bold";
export type Paint = (style: Style, text: string) => string;
export const plain: Paint = (_style, text) => text;
export const ansi: Paint = (style, text) => {
  const codes: Record<Style, string> = {
    error: "1;31",
    warning: "1;33",
    note: "1;36",
    gutter: "1;34",
    bold: "1",
  };
  return `\x1b[${codes[style]}m${text}\x1b[0m`;
};

export interface RenderOptions {
  readonly paint?: Paint;
  /** How file names are shown (for example relative to the working directory). */
  readonly displayName?: (filename: string) => string;
}

/**
 * ```
 * error[CW1007]: Unclosed block
 *   --> infra/main.cw:12:1
 *    |
 * 12 | resource "file" "index" {
 *    | ^^^^^^^^^^^^^^^^^^^^^^^^^ no closing brace before end of file
 * ```
 */
export function renderDiagnostic(
  diag: Diagnostic,
  lookup: SourceLookup,
  options: RenderOptions = {},
): string {
  const paint = options.paint ?? plain;
  const display = options.displayName ?? ((f: string) => f);
  const out: string[] = [];
  out.push(
    `${paint(diag.severity, `${diag.severity}[${diag.code}]`)}${
      paint("bold", `: ${diag.summary}`)
    }`,
  );
  const subject = diag.subject;
  const file = subject ? lookup(subject.filename) : undefined;
  if (subject && file) {
    const start = file.position(subject.start);
    const end = file.position(Math.max(subject.start, subject.end));
    const gutterWidth = String(start.line).length;
    const pad = " ".repeat(gutterWidth);
    out.push(
      `${pad}${paint("gutter", "-->")} ${display(subject.filename)}:${start.line}:${start.column}`,
    );
    out.push(`${pad} ${paint("gutter", "|")}`);
    const lineText = file.lineText(start.line).replace(/\t/g, "    ");
    out.push(`${paint("gutter", `${start.line} |`)} ${lineText}`);
    const rawLine = file.lineText(start.line);
    const prefix = rawLine.slice(0, columnToIndex(rawLine, start.column - 1)).replace(
      /\t/g,
      "    ",
    );
    const caretStart = [...prefix].length;
    const lineLength = [...lineText].length;
    const endColumn = end.line === start.line ? end.column : lineLength + 1;
    const width = Math.max(
      1,
      Math.min(endColumn - start.column, Math.max(1, lineLength - caretStart)),
    );
    const label = diag.detail && !diag.detail.includes("\n") ? ` ${diag.detail}` : "";
    out.push(
      `${pad} ${paint("gutter", "|")} ${" ".repeat(caretStart)}${
        paint(diag.severity, "^".repeat(width) + label)
      }`,
    );
    if (diag.detail && label === "") {
      out.push(...diag.detail.split("\n").map((l) => `${pad} ${paint("gutter", "=")} ${l}`));
    }
  } else if (subject) {
    out.push(`  ${paint("gutter", "-->")} ${display(subject.filename)}`);
    if (diag.detail) out.push(`   ${diag.detail}`);
  } else if (diag.detail) {
    out.push(`  ${diag.detail}`);
  }
  if (diag.address) out.push(`  ${paint("note", "=")} resource: ${diag.address}`);
  for (const note of diag.notes ?? []) out.push(`  ${paint("note", "= note:")} ${note}`);
  return out.join("\n");
}

function columnToIndex(line: string, codePoints: number): number {
  let index = 0;
  for (let n = 0; n < codePoints && index < line.length; n++) {
    const c = line.charCodeAt(index);
    index += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return index;
}

export function renderDiagnostics(
  diags: readonly Diagnostic[],
  lookup: SourceLookup,
  options: RenderOptions = {},
): string {
  return diags.map((d) => renderDiagnostic(d, lookup, options)).join("\n\n");
}

export interface JsonRange {
  filename: string;
  start: { line: number; column: number; byte: number };
  end: { line: number; column: number; byte: number };
}

export interface JsonDiagnostic {
  severity: Severity;
  code: string;
  summary: string;
  detail?: string;
  range?: JsonRange;
  context?: JsonRange;
  address?: string;
  notes?: string[];
}

export function jsonRange(range: Range, lookup: SourceLookup): JsonRange {
  const file = lookup(range.filename);
  if (!file) {
    return {
      filename: range.filename,
      start: { line: 0, column: 0, byte: range.start },
      end: { line: 0, column: 0, byte: range.end },
    };
  }
  return {
    filename: range.filename,
    start: file.position(range.start),
    end: file.position(range.end),
  };
}

export function diagnosticToJson(diag: Diagnostic, lookup: SourceLookup): JsonDiagnostic {
  const out: JsonDiagnostic = { severity: diag.severity, code: diag.code, summary: diag.summary };
  if (diag.detail !== undefined) out.detail = diag.detail;
  if (diag.subject) out.range = jsonRange(diag.subject, lookup);
  if (diag.context) out.context = jsonRange(diag.context, lookup);
  if (diag.address) out.address = diag.address;
  if (diag.notes?.length) out.notes = [...diag.notes];
  return out;
}

export { SourceFile };
