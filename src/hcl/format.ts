/**
 * Canonical formatting as `terraform fmt` produces it, done on the lexer's
 * tokens (whitespace is the only thing that changes):
 *
 * 1. Tokens are split into lines; each line into up to three cells: `lead`,
 *    `assign` (from `=` on, when the right-hand side closes on the same line)
 *    and a trailing line `comment`.
 * 2. Indentation: two spaces per open bracket level, counted per line (a line
 *    with several openers indents the next lines once).
 * 3. Spacing between tokens inside a cell follows fixed rules (no space
 *    around `.`, before `,` or `(` of a call, inside brackets; one space
 *    around operators, `=`, braces…).
 * 4. `=` signs of consecutive single-line attributes are aligned, then the
 *    trailing comments of consecutive lines.
 *
 * Heredoc bodies and comments are copied verbatim (line comments lose
 * trailing whitespace), line endings become `\n`, and the file ends with
 * exactly one newline. Input that does not parse is returned unchanged with
 * the parser's diagnostics.
 */
import type { Body, Expression } from "./ast.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { scan, T, tokenName, type TokenType } from "./lexer.ts";
import { parse } from "./parser.ts";
import { codePointLength } from "./source.ts";

/** A formatter token: heredocs are folded into one opaque token; `Label` is a quoted block label. */
interface FmtToken {
  type: TokenType | "Heredoc" | "Label";
  text: string;
  /** Spaces written before the token. */
  spaces: number;
}

interface Line {
  lead: FmtToken[];
  assign: FmtToken[] | undefined;
  comment: FmtToken[] | undefined;
  /** A blank line (only a newline). */
  blank: boolean;
}

/** Canonical formatting as `terraform fmt` produces; returns the input unchanged when it does not parse. */
export function format(
  source: string,
  filename: string,
): { text: string; diagnostics: Diagnostic[] } {
  const parsed = parse(source, filename);
  if (parsed.diagnostics.some((d) => d.severity === "error")) {
    return { text: source, diagnostics: parsed.diagnostics };
  }
  try {
    const lines = splitLines(prepareTokens(source, parsed.body));
    formatIndent(lines);
    formatSpaces(lines);
    formatCells(lines);
    return { text: render(lines), diagnostics: [] };
  } catch (err) {
    // Defensive: a formatter bug must never lose or mangle the user's file.
    return {
      text: source,
      diagnostics: [{
        severity: "error",
        code: "CW1198",
        summary: `Could not format this file: ${err instanceof Error ? err.message : String(err)}`,
        subject: { filename, start: 0, end: 0 },
      }],
    };
  }
}

function bracketChange(t: FmtToken): number {
  switch (t.type) {
    case "OBrace":
    case "OBrack":
    case "OParen":
    case "TemplateControl":
    case "TemplateInterp":
      return 1;
    case "CBrace":
    case "CBrack":
    case "CParen":
    case "TemplateSeqEnd":
      return -1;
    default:
      return 0;
  }
}

function isLineComment(t: FmtToken): boolean {
  return t.type === "Comment" && !t.text.startsWith("/*");
}

/**
 * The tokens to lay out, with terraform fmt's two rewrites applied on top of
 * the spacing rules: identifier block labels become quoted (`module cache` →
 * `module "cache"`), and an attribute value that is a lone interpolation
 * (`"${var.x}"`) is unwrapped to the bare expression.
 */
/** The lexer's tokens in struct-of-arrays form (no object per token). */
interface Tokens {
  readonly types: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly count: number;
}

/** Per-token rewrite flags. */
const DROP = 1;
const OPEN_PAREN_BEFORE = 2;
const CLOSE_PAREN_AFTER = 4;
const LABEL = 8;
const REPLACED = 16;

function prepareTokens(source: string, body: Body): FmtToken[] {
  const tokens: Tokens = scan(source, true);
  const { types, starts, ends, count } = tokens;
  const labels: number[] = [];
  const attributes: Expression[] = [];
  const typeExprs: Expression[] = [];
  collectRewrites(body, labels, attributes, typeExprs, 0);
  const flags = new Uint8Array(count);
  const replaced = new Map<number, FmtToken[]>();
  for (const offset of labels) {
    const i = firstTokenAt(tokens, offset);
    if (i < count && starts[i] === offset && types[i] === T.Ident) flags[i] |= LABEL;
  }
  for (const expr of typeExprs) planTypeRewrite(source, tokens, expr, flags, replaced);
  let t = 0;
  for (const expr of attributes) {
    while (t < count && starts[t] < expr.range.start) t++;
    let end = t;
    while (end < count && ends[end] <= expr.range.end) end++;
    planUnwrap(tokens, t, end, flags);
  }
  const out: FmtToken[] = [];
  for (let i = 0; i < count; i++) {
    const type = types[i];
    if (type === T.EOF) break;
    const f = flags[i];
    if (f !== 0) {
      if (f & REPLACED) {
        out.push(...replaced.get(i)!);
        continue;
      }
      if (f & DROP) continue;
      if (f & OPEN_PAREN_BEFORE) out.push({ type: "OParen", text: "(", spaces: 0 });
    }
    const start = starts[i];
    if (type === T.OHeredoc) {
      // The whole heredoc, markers included, is copied as written.
      let j = i;
      while (j + 1 < count && types[j] !== T.CHeredoc) j++;
      const closed = types[j] === T.CHeredoc;
      out.push({
        type: "Heredoc",
        text: source.slice(start, closed ? ends[j] : starts[j]),
        spaces: 0,
      });
      i = closed ? j : j - 1;
    } else if (f & LABEL) {
      out.push({ type: "Label", text: JSON.stringify(source.slice(start, ends[i])), spaces: 0 });
    } else if (type === T.Newline) {
      out.push(NEWLINE);
    } else {
      let text = source.slice(start, ends[i]);
      if (type === T.Comment && !text.startsWith("/*")) text = text.replace(/[ \t\r\n]+$/, "");
      out.push({ type: tokenName(type), text, spaces: 0 });
    }
    if (f & CLOSE_PAREN_AFTER) out.push({ type: "CParen", text: ")", spaces: 0 });
  }
  return out;
}

/** Index of the first token starting at or after `offset` (binary search). */
function firstTokenAt(tokens: Tokens, offset: number): number {
  let lo = 0;
  let hi = tokens.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens.starts[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Newlines only split lines and are never written as tokens, so one object serves all. */
const NEWLINE: FmtToken = { type: "Newline", text: "\n", spaces: 0 };

function collectRewrites(
  body: Body,
  labels: number[],
  attributes: Expression[],
  typeExprs: Expression[],
  depth: number,
  inVariable = false,
): void {
  for (const item of body.items) {
    if (item.kind === "Attribute") {
      if (inVariable && item.name === "type") typeExprs.push(item.expr);
      else if (item.expr.kind === "Template" && !item.expr.heredoc) attributes.push(item.expr);
      continue;
    }
    for (const label of item.labels) if (!label.quoted) labels.push(label.range.start);
    const isVariable = depth === 0 && item.type === "variable";
    collectRewrites(item.body, labels, attributes, typeExprs, depth + 1, isVariable);
  }
}

/**
 * terraform fmt's cleanup of legacy variable types: `"string"` → `string`,
 * `"list"` / `"map"` → `list(string)` / `map(string)`, bare `list` / `map` /
 * `set` → `list(any)`….
 */
function planTypeRewrite(
  source: string,
  tokens: Tokens,
  expr: Expression,
  flags: Uint8Array,
  replaced: Map<number, FmtToken[]>,
): void {
  const inner: { type: TokenType; start: number; end: number; index: number }[] = [];
  for (let i = firstTokenAt(tokens, expr.range.start); i < tokens.count; i++) {
    const start = tokens.starts[i];
    if (start >= expr.range.end) break;
    if (tokens.ends[i] <= expr.range.end) {
      inner.push({ type: tokenName(tokens.types[i]), start, end: tokens.ends[i], index: i });
    }
  }
  const tok = (type: TokenType, text: string): FmtToken => ({ type, text, spaces: 0 });
  const call = (name: string, arg: string) => [
    tok("Ident", name),
    tok("OParen", "("),
    tok("Ident", arg),
    tok("CParen", ")"),
  ];
  if (inner.length === 1 && inner[0].type === "Ident") {
    const name = source.slice(inner[0].start, inner[0].end);
    if (name === "list" || name === "map" || name === "set") {
      replaced.set(inner[0].index, call(name, "any"));
      flags[inner[0].index] |= REPLACED;
    }
    return;
  }
  if (
    inner.length !== 3 || inner[0].type !== "OQuote" || inner[1].type !== "QuotedLit" ||
    inner[2].type !== "CQuote"
  ) {
    return;
  }
  const legacy = source.slice(inner[1].start, inner[1].end);
  const replacement = legacy === "string"
    ? [tok("Ident", "string")]
    : legacy === "list" || legacy === "map"
    ? call(legacy, "string")
    : undefined;
  if (!replacement) return;
  replaced.set(inner[0].index, replacement);
  flags[inner[0].index] |= REPLACED;
  flags[inner[1].index] |= DROP;
  flags[inner[2].index] |= DROP;
}

/**
 * Terraform's rule for `"${ expr }"`: unwrap when the quotes hold exactly one
 * interpolation and no literal text at the top level; a multi-line
 * expression is wrapped in parentheses so it still parses.
 */
function planUnwrap(tokens: Tokens, from: number, to: number, flags: Uint8Array): void {
  if (to - from < 5) return;
  const types = tokens.types;
  if (
    types[from] !== T.OQuote || types[from + 1] !== T.TemplateInterp ||
    types[to - 2] !== T.TemplateSeqEnd || types[to - 1] !== T.CQuote
  ) {
    return;
  }
  let quotes = 0;
  for (let i = from + 2; i < to - 2; i++) {
    const type = types[i];
    if (type === T.OQuote) quotes++;
    else if (type === T.CQuote) quotes--;
    else if (quotes > 0) continue;
    else if (type === T.TemplateInterp || type === T.TemplateSeqEnd || type === T.QuotedLit) {
      return;
    }
  }
  let first = from + 2;
  let last = to - 3;
  flags[from] |= DROP;
  flags[from + 1] |= DROP;
  flags[to - 2] |= DROP;
  flags[to - 1] |= DROP;
  while (first <= last && types[first] === T.Newline) flags[first++] |= DROP;
  while (last >= first && types[last] === T.Newline) flags[last--] |= DROP;
  if (first > last) return;
  let multiLine = false;
  for (let i = first; i <= last; i++) if (types[i] === T.Newline) multiLine = true;
  const parenthesised = types[first] === T.OParen && types[last] === T.CParen;
  if (multiLine && !parenthesised) {
    flags[first] |= OPEN_PAREN_BEFORE;
    flags[last] |= CLOSE_PAREN_AFTER;
  } else {
    // `"${"${x}"}"` unwraps twice, so formatting stays idempotent.
    planUnwrap(tokens, first, last + 1, flags);
  }
}

function splitLines(tokens: FmtToken[]): Line[] {
  const lines: Line[] = [];
  let current: FmtToken[] = [];
  const finish = () => {
    const line: Line = { lead: current, assign: undefined, comment: undefined, blank: false };
    current = [];
    lines.push(line);
  };
  for (const tok of tokens) {
    if (tok.type === "Newline") finish();
    else current.push(tok);
  }
  if (current.length > 0) finish();
  for (const line of lines) {
    const lead = line.lead;
    if (lead.length === 0) {
      line.blank = true;
      continue;
    }
    if (lead.length > 1 && isLineComment(lead[lead.length - 1])) {
      line.comment = lead.slice(lead.length - 1);
      line.lead = lead.slice(0, lead.length - 1);
    }
    const l = line.lead;
    for (let i = 1; i < l.length; i++) {
      if (l[i].type !== "Equal") continue;
      // Only a right-hand side that closes on this line takes part in alignment.
      let net = 0;
      for (let j = i; j < l.length; j++) net += bracketChange(l[j]);
      if (net === 0) {
        line.assign = l.slice(i);
        line.lead = l.slice(0, i);
      }
      break;
    }
  }
  // Drop blank lines at the end: the file ends with exactly one newline.
  while (lines.length > 0 && lines[lines.length - 1].blank) lines.pop();
  return lines;
}

function formatIndent(lines: Line[]): void {
  const indents: number[] = [];
  for (const line of lines) {
    if (line.blank) continue;
    let net = 0;
    for (const t of line.lead) net += bracketChange(t);
    if (line.assign) { for (const t of line.assign) net += bracketChange(t); }
    if (net < 0) {
      let closed = -net;
      while (closed > 0 && indents.length > 0) {
        const top = indents[indents.length - 1];
        if (closed > top) {
          closed -= top;
          indents.pop();
        } else if (closed < top) {
          indents[indents.length - 1] -= closed;
          closed = 0;
        } else {
          indents.pop();
          closed = 0;
        }
      }
    }
    const first = line.lead[0] ?? line.assign?.[0] ?? line.comment?.[0];
    if (first) first.spaces = 2 * indents.length;
    if (net > 0) {
      // The opening line itself keeps the outer indent; what follows is deeper.
      indents.push(net);
    }
  }
}

const NIL: FmtToken = { type: "EOF", text: "", spaces: 0 };

function spaceCell(cell: FmtToken[]): void {
  for (let i = 0; i + 1 < cell.length; i++) {
    cell[i + 1].spaces = spaceAfter(cell[i], i > 0 ? cell[i - 1] : NIL, cell[i + 1]) ? 1 : 0;
  }
}

function formatSpaces(lines: Line[]): void {
  for (const line of lines) {
    spaceCell(line.lead);
    if (line.assign) {
      line.assign[0].spaces = 1;
      spaceCell(line.assign);
    }
  }
}

function columns(cell: FmtToken[] | undefined): number {
  if (!cell) return 0;
  let n = 0;
  for (const t of cell) {
    n += t.spaces;
    const text = t.text;
    if (text.length === 1) n++;
    else {
      const nl = text.lastIndexOf("\n");
      n += codePointLength(text, nl + 1, text.length);
    }
  }
  return n;
}

function formatCells(lines: Line[]): void {
  alignChains(lines, (l) => l.assign, (l) => columns(l.lead));
  alignChains(lines, (l) => l.comment, (l) => columns(l.lead) + columns(l.assign));
}

/** Aligns the first token of `cell` across runs of consecutive lines that have that cell. */
function alignChains(
  lines: Line[],
  cell: (l: Line) => FmtToken[] | undefined,
  width: (l: Line) => number,
): void {
  let start = -1;
  let max = 0;
  const close = (end: number) => {
    for (let i = start; i < end; i++) cell(lines[i])![0].spaces = max - width(lines[i]) + 1;
    start = -1;
    max = 0;
  };
  for (let i = 0; i < lines.length; i++) {
    if (!cell(lines[i])) {
      if (start >= 0) close(i);
      continue;
    }
    if (start < 0) start = i;
    max = Math.max(max, width(lines[i]));
  }
  if (start >= 0) close(lines.length);
}

const SPACES: string[] = Array.from({ length: 64 }, (_, n) => " ".repeat(n));

function renderCell(cell: FmtToken[] | undefined): string {
  let out = "";
  if (!cell) return out;
  for (const t of cell) {
    out += t.spaces > 0 ? (SPACES[t.spaces] ?? " ".repeat(t.spaces)) + t.text : t.text;
  }
  return out;
}

function render(lines: Line[]): string {
  let out = "";
  for (const line of lines) {
    out += renderCell(line.lead) + renderCell(line.assign) + renderCell(line.comment) + "\n";
  }
  return out;
}

const NEGATION_CONTEXT = new Set<string>([
  "EOF",
  "OParen",
  "OBrace",
  "OBrack",
  "Equal",
  "Colon",
  "Comma",
  "Question",
  "Plus",
  "Star",
  "Slash",
  "Percent",
  "Minus",
  "EqualOp",
  "NotEqual",
  "GreaterThan",
  "GreaterThanEq",
  "LessThan",
  "LessThanEq",
  "And",
  "Or",
  "Bang",
]);

/** Whether `subject` is followed by a space, given its neighbours (terraform fmt's rules). */
function spaceAfter(subject: FmtToken, before: FmtToken, after: FmtToken): boolean {
  const s = subject.type;
  const a = after.type;
  if (s === "Ident" && a === "OParen") return false;
  if ((s === "Ident" && a === "DoubleColon") || (s === "DoubleColon" && a === "Ident")) {
    return false;
  }
  if (s === "Dot" || a === "Dot") return false;
  if (a === "Comma" || a === "Ellipsis") return false;
  if (s === "Comma") return true;
  if (
    s === "QuotedLit" || s === "StringLit" || s === "OQuote" || a === "QuotedLit" ||
    a === "StringLit" || a === "CQuote"
  ) {
    return false;
  }
  if (s === "Ident" && subject.text === "in" && before.type === "Ident") return true;
  if (a === "OBrack" && (s === "Ident" || s === "Number" || bracketChange(subject) < 0)) {
    return false;
  }
  if (s === "Bang") return false;
  if (s === "Minus") return !NEGATION_CONTEXT.has(before.type);
  if (s === "OBrace" || a === "CBrace") return !(s === "OBrace" && a === "CBrace");
  if ((s === "TemplateInterp" || s === "TemplateControl") && a === "OBrace") return true;
  if (s === "CBrace" && a === "TemplateSeqEnd") return true;
  if (s === "TemplateSeqEnd" && (a === "TemplateInterp" || a === "TemplateControl")) return false;
  if (bracketChange(subject) > 0) return false;
  if (bracketChange(after) < 0) return false;
  return true;
}
