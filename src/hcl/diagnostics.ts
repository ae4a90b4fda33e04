/**
 * Diagnostics are values. Every stage returns them beside its result and the
 * CLI renders them once, rustc-style, or as JSON with `--json`.
 */
import { type Range, SourceFile } from "./source.ts";
import { displayWidth, graphemes } from "./_width.ts";

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

/**
 * Colour is applied through tags so golden files stay plain text; which tags
 * become which escapes is the caller's business (the CLI's painter).
 */
export type Style = "error" | "warning" | "note" | "gutter" | "bold";
export type Paint = (style: Style, text: string) => string;
export const plain: Paint = (_style, text) => text;

export interface RenderOptions {
  readonly paint?: Paint;
  /** How file names are shown (for example relative to the working directory). */
  readonly displayName?: (filename: string) => string;
}

/** Columns of source text shown for one line before it is cut to a window. */
export const SNIPPET_COLUMNS = 120;
/** Columns of a cut line shown before the caret. */
const LEFT_CONTEXT = 40;
const ELLIPSIS = "...";
const TAB = "    ";

/**
 * ```
 * error[CW1007]: Unclosed block
 *   --> infra/main.cw:12:1
 *    |
 * 12 | resource "file" "index" {
 *    | ^^^^^^^^^^^^^^^^^^^^^^^^^ no closing brace before end of file
 * ```
 *
 * The caret is placed by display width (a CJK character or an emoji takes two
 * columns), and a source line wider than SNIPPET_COLUMNS is shown as a window
 * around the caret with "..." at the cut ends, so a minified or generated line
 * of megabytes does not flood a terminal.
 */
export function renderDiagnostic(
  diag: Diagnostic,
  lookup: SourceLookup,
  options: RenderOptions = {},
): string {
  const paint = options.paint ?? plain;
  const display = options.displayName ?? ((f: string) => f);
  const out: string[] = [
    `${paint(diag.severity, `${diag.severity}[${diag.code}]`)}${
      paint("bold", `: ${diag.summary}`)
    }`,
  ];
  const subject = diag.subject;
  const file = subject ? lookup(subject.filename) : undefined;
  if (subject && file) {
    const start = file.position(subject.start);
    const end = file.position(Math.max(subject.start, subject.end));
    const pad = " ".repeat(String(start.line).length);
    out.push(
      `${pad}${paint("gutter", "-->")} ${display(subject.filename)}:${start.line}:${start.column}`,
    );
    out.push(`${pad} ${paint("gutter", "|")}`);
    const line = file.lineText(start.line);
    const from = codeUnitIndex(line, start.column - 1);
    const to = end.line === start.line
      ? Math.max(from, codeUnitIndex(line, end.column - 1))
      : line.length;
    const shown = snippet(line, from, to);
    out.push(`${paint("gutter", `${start.line} |`)} ${shown.text}`);
    const label = diag.detail && !diag.detail.includes("\n") ? ` ${diag.detail}` : "";
    out.push(
      `${pad} ${paint("gutter", "|")} ${" ".repeat(shown.caretColumn)}${
        paint(diag.severity, "^".repeat(shown.caretWidth) + label)
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

export function renderDiagnostics(
  diags: readonly Diagnostic[],
  lookup: SourceLookup,
  options: RenderOptions = {},
): string {
  return diags.map((d) => renderDiagnostic(d, lookup, options)).join("\n\n");
}

/** The index in `line` (UTF-16 code units) of the code point numbered `codePoints` (0-based). */
function codeUnitIndex(line: string, codePoints: number): number {
  let index = 0;
  for (let n = 0; n < codePoints && index < line.length; n++) {
    index += isHighSurrogate(line.charCodeAt(index)) ? 2 : 1;
  }
  return index;
}

function expandTabs(text: string): string {
  return text.includes("\t") ? text.replaceAll("\t", TAB) : text;
}

function widthOf(text: string): number {
  return displayWidth(expandTabs(text));
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

interface Snippet {
  /** The source line as shown (tabs expanded, cut to a window when long). */
  readonly text: string;
  /** Columns before the caret. */
  readonly caretColumn: number;
  /** Number of carets (at least one). */
  readonly caretWidth: number;
}

/**
 * The line with the caret under [from, to) (code unit indices). A line wider
 * than SNIPPET_COLUMNS is cut to that many columns around `from`.
 */
function snippet(line: string, from: number, to: number): Snippet {
  // Each code unit takes at most two columns (a tab, four), so only a line this
  // short can fit without measuring the whole of a long one.
  const fits = line.length <= SNIPPET_COLUMNS * 2 && widthOf(line) <= SNIPPET_COLUMNS;
  if (fits) {
    return {
      text: expandTabs(line),
      caretColumn: widthOf(line.slice(0, from)),
      caretWidth: Math.max(1, widthOf(line.slice(from, to))),
    };
  }
  // Left of the caret: at most LEFT_CONTEXT columns, whole characters only.
  let leftStart = Math.max(0, from - LEFT_CONTEXT * 2);
  if (leftStart > 0 && isLowSurrogate(line.charCodeAt(leftStart))) leftStart++;
  const left = graphemes(expandTabs(line.slice(leftStart, from)));
  let leftWidth = 0;
  let kept = left.length;
  while (kept > 0 && leftWidth + left[kept - 1].width <= LEFT_CONTEXT) {
    leftWidth += left[kept - 1].width;
    kept--;
  }
  const leftText = left.slice(kept).map((g) => g.text).join("");
  const cutLeft = leftStart > 0 || kept > 0;
  // Right of the caret: whatever fills the line up to SNIPPET_COLUMNS.
  const budget = SNIPPET_COLUMNS - leftWidth;
  let rightEnd = Math.min(line.length, from + budget * 2);
  if (rightEnd < line.length && isHighSurrogate(line.charCodeAt(rightEnd - 1))) rightEnd++;
  const right = graphemes(expandTabs(line.slice(from, rightEnd)));
  let rightWidth = 0;
  let taken = 0;
  while (taken < right.length && rightWidth + right[taken].width <= budget) {
    rightWidth += right[taken].width;
    taken++;
  }
  const rightText = right.slice(0, taken).map((g) => g.text).join("");
  const cutRight = rightEnd < line.length || taken < right.length;
  // Carets cover the span as far as the window shows it.
  const spanWidth = widthOf(line.slice(from, Math.min(to, rightEnd)));
  const lead = cutLeft ? ELLIPSIS.length : 0;
  return {
    text: `${cutLeft ? ELLIPSIS : ""}${leftText}${rightText}${cutRight ? ELLIPSIS : ""}`,
    caretColumn: lead + leftWidth,
    caretWidth: Math.max(1, Math.min(spanWidth, rightWidth)),
  };
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
