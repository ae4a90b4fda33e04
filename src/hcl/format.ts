/**
 * Canonical formatting as `terraform fmt` (Terraform 1.11, HCL's `hclwrite`)
 * produces it, done on the lexer's tokens: only the spaces between tokens
 * change, apart from terraform fmt's rewrites (quoted block labels, unwrapped
 * `"${…}"`, legacy variable types).
 *
 * The tokens are first put in the shape HashiCorp's scanner gives them, since
 * the layout rules are defined on that shape: a line comment carries its line
 * break, a newline after `\r` is `\r\n`, a heredoc's closing marker carries
 * the spaces around it. Then:
 *
 * 1. The tokens are split into lines, each ending with its line break (a
 *    newline or a line comment); each line into up to three cells: `lead`,
 *    `assign` (from `=` on, when the right-hand side closes on the same line)
 *    and a trailing line `comment`.
 * 2. Indentation: two spaces per open bracket level, counted per line (a line
 *    with several openers indents the next lines once).
 * 3. Spacing between tokens inside a cell follows fixed rules (no space
 *    around `.`, before `,` or `(` of a call, inside brackets and template
 *    sequences; one space around operators, `=`, braces…). Literal text of
 *    strings and heredocs is never touched, but the sequences inside them
 *    are spaced like any expression (`${ a }` → `${a}`).
 * 4. `=` signs of consecutive single-line attributes are aligned, then the
 *    trailing comments of consecutive lines.
 *
 * As with terraform fmt, line endings (LF or CRLF) are kept, comments are
 * kept with their trailing spaces, and the end of the file is left as it is:
 * blank lines at the end stay and no final newline is added. Input that does
 * not parse is returned unchanged with the parser's diagnostics.
 */
import type { Body, Expression } from "./ast.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { scan, T, tokenName, type TokenType } from "./lexer.ts";
import { parse } from "./parser.ts";

/**
 * A formatter token. `Label` is a block label as terraform fmt rewrites it
 * (quoted, escapes normalised); `Nil` stands for "no token" at either end of
 * a cell.
 */
interface FmtToken {
  type: TokenType | "Label" | "Nil";
  text: string;
  /** Spaces written before the token. */
  spaces: number;
}

/** A line as index ranges into the token list: `lead` [start, assign), `assign` [assign, comment), `comment` [comment, end). */
interface Line {
  start: number;
  /** Where the assign cell starts (`comment` when there is none). */
  assign: number;
  /** Where the trailing line comment starts (`end` when there is none). */
  comment: number;
  end: number;
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
    const tokens = prepareTokens(source, parsed.body);
    const lines = splitLines(tokens);
    formatIndent(tokens, lines);
    formatSpaces(tokens, lines);
    formatCells(tokens, lines);
    return { text: render(tokens), diagnostics: [] };
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

/** A newline, or a `#` / `//` comment, which carries its line's break. */
function endsLine(t: FmtToken): boolean {
  return t.type === "Newline" || (t.type === "Comment" && t.text.endsWith("\n"));
}

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
const REPLACED = 8;

/**
 * The tokens to lay out, in the shape of HashiCorp's scanner, with terraform
 * fmt's rewrites applied: block labels become quoted strings with canonical
 * escapes (`module cache` → `module "cache"`), an attribute value that is a
 * lone interpolation (`"${var.x}"`) is unwrapped to the bare expression, and
 * legacy variable types are modernised. Ends with the `EOF` token, whose
 * spaces are the whitespace the file ends with.
 */
function prepareTokens(source: string, body: Body): FmtToken[] {
  const tokens: Tokens = scan(source, true);
  const { types, starts, ends, count } = tokens;
  const rewrites: Rewrites = { labels: [], attributes: [], typeExprs: [] };
  collectRewrites(body, rewrites, 0);
  const flags = new Uint8Array(count);
  const replaced = new Map<number, FmtToken[]>();
  for (const label of rewrites.labels) planLabel(source, tokens, label, flags, replaced);
  for (const expr of rewrites.typeExprs) planTypeRewrite(source, tokens, expr, flags, replaced);
  let t = 0;
  for (const expr of rewrites.attributes) {
    while (t < count && starts[t] < expr.range.start) t++;
    let end = t;
    while (end < count && ends[end] <= expr.range.end) end++;
    planUnwrap(source, tokens, t, end, flags);
  }
  const out: FmtToken[] = [];
  for (let i = 0; i < count; i++) {
    const type = types[i];
    const start = starts[i];
    if (type === T.EOF) {
      const last = i > 0 ? ends[i - 1] : 0;
      // Whitespace after the last token stays (terraform fmt does not touch it).
      out.push({
        type: "EOF",
        text: "",
        spaces: Math.max(0, start - Math.max(last, bomLength(source))),
      });
      break;
    }
    const f = flags[i];
    if (f !== 0) {
      if (f & REPLACED) {
        out.push(...replaced.get(i)!);
        continue;
      }
      if (f & DROP) continue;
      if (f & OPEN_PAREN_BEFORE) out.push({ type: "OParen", text: "(", spaces: 0 });
    }
    let end = ends[i];
    if (type === T.Newline) {
      out.push(source.charCodeAt(start - 1) === 13 ? CRLF : LF);
    } else if (type === T.Comment && !source.startsWith("/*", start)) {
      // A line comment takes its line break with it (and the `\r` before it).
      if (types[i + 1] === T.Newline && flags[i + 1] === 0) end = ends[++i];
      out.push({ type: "Comment", text: source.slice(start, end), spaces: 0 });
    } else if (type === T.CHeredoc) {
      // The closing marker's line is kept whole, spaces after the marker too.
      let c = source.charCodeAt(end);
      while (c === 32 || c === 9) c = source.charCodeAt(++end);
      out.push({ type: "CHeredoc", text: source.slice(start, end), spaces: 0 });
    } else {
      out.push({ type: tokenName(type), text: source.slice(start, end), spaces: 0 });
    }
    if (f & CLOSE_PAREN_AFTER) out.push({ type: "CParen", text: ")", spaces: 0 });
  }
  return out;
}

function bomLength(source: string): number {
  return source.charCodeAt(0) === 0xfeff ? 1 : 0;
}

/** Newlines only carry their text, so two shared objects serve all (their spaces are always 0). */
const LF: FmtToken = { type: "Newline", text: "\n", spaces: 0 };
const CRLF: FmtToken = { type: "Newline", text: "\r\n", spaces: 0 };

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

interface Rewrites {
  labels: { start: number; end: number; value: string; quoted: boolean }[];
  attributes: Expression[];
  typeExprs: Expression[];
}

function collectRewrites(body: Body, rewrites: Rewrites, depth: number, inVariable = false): void {
  for (const item of body.items) {
    if (item.kind === "Attribute") {
      if (inVariable && item.name === "type") rewrites.typeExprs.push(item.expr);
      else if (item.expr.kind === "Template" && !item.expr.heredoc) {
        rewrites.attributes.push(item.expr);
      }
      continue;
    }
    for (const label of item.labels) {
      const range = label.range;
      rewrites.labels.push({
        start: range.start,
        end: range.end,
        value: label.value,
        quoted: label.quoted,
      });
    }
    const isVariable = depth === 0 && item.type === "variable";
    collectRewrites(item.body, rewrites, depth + 1, isVariable);
  }
}

/**
 * terraform fmt writes every block label as a quoted string with canonical
 * escapes (`"a\u0041"` → `"aA"`). A label holding `$${` or `%%{` is left as
 * written: terraform fmt drops such a label altogether, which loses data.
 */
function planLabel(
  source: string,
  tokens: Tokens,
  label: Rewrites["labels"][number],
  flags: Uint8Array,
  replaced: Map<number, FmtToken[]>,
): void {
  const first = firstTokenAt(tokens, label.start);
  if (first >= tokens.count || tokens.starts[first] !== label.start) return;
  const raw = source.slice(label.start, label.end);
  if (label.quoted && (raw.includes("$${") || raw.includes("%%{"))) return;
  const text = `"${escapeQuoted(label.value)}"`;
  if (text === raw) return;
  flags[first] |= REPLACED;
  replaced.set(first, [{ type: "Label", text, spaces: 0 }]);
  for (let i = first + 1; i < tokens.count && tokens.ends[i] <= label.end; i++) flags[i] |= DROP;
}

/** Characters written as themselves in a quoted string: letters, marks, numbers, punctuation, symbols, space. */
const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

/** A string as the body of a quoted HCL string, escaped as terraform fmt escapes it. */
function escapeQuoted(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const code = value.codePointAt(i)!;
    const ch = String.fromCodePoint(code);
    if (code > 0xffff) i++;
    switch (ch) {
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "$":
      case "%":
        out += value.charCodeAt(i + 1) === 123 ? ch + ch : ch;
        continue;
    }
    if (PRINTABLE.test(ch)) out += ch;
    else if (code < 0x10000) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += "\\U" + code.toString(16).padStart(8, "0");
  }
  return out;
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
function planUnwrap(
  source: string,
  tokens: Tokens,
  from: number,
  to: number,
  flags: Uint8Array,
): void {
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
  // The line break after a line comment is part of the comment (as in
  // HashiCorp's scanner), so it is not trimmed. terraform fmt does not count
  // it as a sign of several lines either, which leaves `x ? # c` and `1 : 2`
  // on lines of their own without parentheses, output that does not parse;
  // we count it unless it ends the expression.
  const lineBreak = (i: number) =>
    types[i] === T.Newline &&
    !(types[i - 1] === T.Comment && !source.startsWith("/*", tokens.starts[i - 1]));
  while (first <= last && lineBreak(first)) flags[first++] |= DROP;
  while (last >= first && lineBreak(last)) flags[last--] |= DROP;
  if (first > last) return;
  let multiLine = false;
  for (let i = first; i < last; i++) if (types[i] === T.Newline) multiLine = true;
  const parenthesised = types[first] === T.OParen && types[last] === T.CParen;
  if (multiLine && !parenthesised) {
    flags[first] |= OPEN_PAREN_BEFORE;
    flags[last] |= CLOSE_PAREN_AFTER;
  } else {
    // terraform fmt unwraps `"${"${x}"}"` one level per run; unwrapping all
    // levels at once keeps formatting idempotent.
    planUnwrap(source, tokens, first, last + 1, flags);
  }
}

/** Lines end with (and include) a newline or line comment; the `EOF` token belongs to none. */
function splitLines(tokens: FmtToken[]): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === "EOF") {
      if (i > start) lines.push(cells(tokens, start, i));
      break;
    }
    if (endsLine(t)) {
      lines.push(cells(tokens, start, i + 1));
      start = i + 1;
    }
  }
  return lines;
}

function cells(tokens: FmtToken[], start: number, end: number): Line {
  let comment = end;
  if (end - start > 1 && tokens[end - 1].type === "Comment") comment = end - 1;
  let assign = comment;
  for (let i = start + 1; i < comment; i++) {
    if (tokens[i].type !== "Equal") continue;
    // Only a right-hand side that closes on this line takes part in alignment.
    if (netBrackets(tokens, i, comment) === 0) assign = i;
    break;
  }
  return { start, assign, comment, end };
}

/** Brackets opened minus closed in [from, to); a heredoc's contents do not count. */
function netBrackets(tokens: FmtToken[], from: number, to: number): number {
  let net = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i];
    net += bracketChange(t);
    if (t.type === "OHeredoc") break;
  }
  return net;
}

function formatIndent(tokens: FmtToken[], lines: Line[]): void {
  const indents: number[] = [];
  for (const line of lines) {
    const first = tokens[line.start];
    if (first.type === "Newline") {
      first.spaces = 0;
      continue;
    }
    const net = netBrackets(tokens, line.start, line.assign) +
      netBrackets(tokens, line.assign, line.comment);
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
    first.spaces = 2 * indents.length;
    // The opening line itself keeps the outer indent; what follows is deeper.
    if (net > 0) indents.push(net);
  }
}

const NIL: FmtToken = { type: "Nil", text: "", spaces: 0 };

/** Sets the spaces between the tokens of [from, to) (the first token's own spaces are left alone). */
function spaceCell(tokens: FmtToken[], from: number, to: number): void {
  for (let i = from; i + 1 < to; i++) {
    const before = i > from ? tokens[i - 1] : NIL;
    const after = tokens[i + 1];
    after.spaces = spaceAfter(tokens[i], before, after) ? 1 : 0;
  }
}

function formatSpaces(tokens: FmtToken[], lines: Line[]): void {
  for (const line of lines) {
    spaceCell(tokens, line.start, line.assign);
    if (line.assign < line.comment) {
      tokens[line.assign].spaces = 1;
      spaceCell(tokens, line.assign, line.comment);
    }
  }
}

let graphemes: Intl.Segmenter | undefined;

/** Display columns of [from, to): spaces plus grapheme clusters, as hclwrite counts them. */
function columns(tokens: FmtToken[], from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i];
    n += t.spaces;
    const text = t.text;
    if (oneColumnPerChar(text)) n += text.length;
    else {
      graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
      for (const _ of graphemes.segment(text)) n++;
    }
  }
  return n;
}

/** ASCII without `\r` (which forms one grapheme with a following `\n`): one column per character. */
function oneColumnPerChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 || c === 13) return false;
  }
  return true;
}

function formatCells(tokens: FmtToken[], lines: Line[]): void {
  alignChains(
    tokens,
    lines,
    (l) => l.assign < l.comment ? l.assign : -1,
    (l) => columns(tokens, l.start, l.assign),
  );
  alignChains(
    tokens,
    lines,
    (l) => l.comment < l.end ? l.comment : -1,
    (l) => columns(tokens, l.start, l.comment),
  );
}

/** Aligns the cell starting at `cell(line)` (-1: none) across runs of consecutive lines that have it. */
function alignChains(
  tokens: FmtToken[],
  lines: Line[],
  cell: (l: Line) => number,
  width: (l: Line) => number,
): void {
  let start = -1;
  let max = 0;
  const close = (end: number) => {
    for (let i = start; i < end; i++) tokens[cell(lines[i])].spaces = max - width(lines[i]) + 1;
    start = -1;
    max = 0;
  };
  for (let i = 0; i < lines.length; i++) {
    if (cell(lines[i]) < 0) {
      if (start >= 0) close(i);
      continue;
    }
    if (start < 0) start = i;
    max = Math.max(max, width(lines[i]));
  }
  if (start >= 0) close(lines.length);
}

const SPACES: string[] = Array.from({ length: 64 }, (_, n) => " ".repeat(n));

function render(tokens: FmtToken[]): string {
  let out = "";
  for (const t of tokens) {
    out += t.spaces > 0 ? (SPACES[t.spaces] ?? " ".repeat(t.spaces)) + t.text : t.text;
  }
  return out;
}

const NEGATION_CONTEXT = new Set<string>([
  "Nil",
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
  if (a === "Newline" || a === "Nil") return false;
  if (s === "Ident" && a === "OParen") return false;
  if ((s === "Ident" && a === "DoubleColon") || (s === "DoubleColon" && a === "Ident")) {
    return false;
  }
  if (s === "Dot" || a === "Dot") return false;
  if (a === "Comma" || a === "Ellipsis") return false;
  if (s === "Comma") return true;
  if (
    s === "QuotedLit" || s === "StringLit" || s === "OQuote" || s === "OHeredoc" ||
    a === "QuotedLit" || a === "StringLit" || a === "CQuote" || a === "CHeredoc"
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
