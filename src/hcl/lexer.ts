/**
 * The HCL native-syntax lexer.
 *
 * `lex(source, filename)` returns every token of a file, trivia included
 * (comments and newlines), so the formatter can rebuild a file from it. The
 * parser uses the internal `scan` directly, which stores tokens in typed
 * arrays instead of objects and drops comments.
 *
 * The lexer is modal, like HashiCorp's scanner: inside `"…"` and heredocs it
 * produces literal segments (`QuotedLit`, `StringLit`) and the sequence
 * openers `${` / `%{` (`TemplateInterp`, `TemplateControl`, each optionally
 * followed by the `~` strip marker inside the same token); the `}` that
 * closes such a sequence is `TemplateSeqEnd` (optionally preceded by `~`).
 * Literal tokens keep their escapes undecoded; the parser decodes them.
 *
 * Offsets are JS string indices (see source.ts). A leading BOM is skipped.
 */
import type { Diagnostic } from "./diagnostics.ts";

/** Token kinds. Numeric so the parser can keep them in a Uint8Array. */
export const T = {
  EOF: 0,
  Newline: 1,
  Comment: 2,
  Ident: 3,
  Number: 4,
  OBrace: 5,
  CBrace: 6,
  OBrack: 7,
  CBrack: 8,
  OParen: 9,
  CParen: 10,
  OQuote: 11,
  CQuote: 12,
  QuotedLit: 13,
  OHeredoc: 14,
  CHeredoc: 15,
  StringLit: 16,
  TemplateInterp: 17,
  TemplateControl: 18,
  TemplateSeqEnd: 19,
  Equal: 20,
  EqualOp: 21,
  NotEqual: 22,
  LessThan: 23,
  LessThanEq: 24,
  GreaterThan: 25,
  GreaterThanEq: 26,
  And: 27,
  Or: 28,
  Bang: 29,
  Plus: 30,
  Minus: 31,
  Star: 32,
  Slash: 33,
  Percent: 34,
  Dot: 35,
  Comma: 36,
  Ellipsis: 37,
  FatArrow: 38,
  Question: 39,
  Colon: 40,
  DoubleColon: 41,
  /** A character that starts no token (`@`, `;`, a lone `&`, …). */
  Invalid: 42,
  /** A `/*` comment with no `*\/` before the end of the file. */
  UnclosedComment: 43,
} as const;

export type TokenType = keyof typeof T;
const NAMES: TokenType[] = [];
for (const [name, code] of Object.entries(T)) NAMES[code] = name as TokenType;

/** The name of a numeric token kind. */
export function tokenName(code: number): TokenType {
  return NAMES[code];
}

export interface Token {
  readonly type: TokenType;
  /** Offsets into the source (JS string indices), half-open. */
  readonly start: number;
  readonly end: number;
}

export interface LexResult {
  readonly tokens: Token[];
  readonly diagnostics: Diagnostic[];
}

/**
 * All tokens of `source`, comments and newlines included, ending with `EOF`.
 * Never throws. The only lexical diagnostic is an unclosed `/*` comment;
 * everything else (invalid characters, unterminated strings) is reported by
 * the parser, which knows the context.
 */
export function lex(source: string, filename: string): LexResult {
  const s = scan(source, true);
  const tokens: Token[] = new Array(s.count);
  for (let i = 0; i < s.count; i++) {
    tokens[i] = { type: NAMES[s.types[i]], start: s.starts[i], end: s.ends[i] };
  }
  const diagnostics: Diagnostic[] = [];
  for (let i = 0; i < s.count; i++) {
    if (s.types[i] === T.UnclosedComment) {
      diagnostics.push({
        severity: "error",
        code: "CW1002",
        summary: "Unclosed comment",
        detail: "no closing */ before end of file",
        subject: { filename, start: s.starts[i], end: s.starts[i] + 2 },
      });
    }
  }
  return { tokens, diagnostics };
}

/** Tokens in struct-of-arrays form. */
export interface Scanned {
  types: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  count: number;
}

/** The scan's modes, in this order so `mode < MODE_QUOTED` means "normal tokens". */
const MODE_NORMAL = 0;
/** Inside `${…}` / `%{…}`: normal tokens until the matching `}`. */
const MODE_SEQUENCE = 1;
const MODE_QUOTED = 2;
const MODE_HEREDOC = 3;

/**
 * Scans `source` into typed arrays. With `keepComments` false, comments are
 * dropped (the parser never needs them) but newlines are kept, because they
 * end attributes.
 *
 * Each step of the loop makes at most one token, stored at its bottom. All
 * state is in locals: a closure for pushing tokens, or a mode object, would
 * keep it in heap slots, reloaded and stored on every token. Work that is rare per
 * token lives in helpers, because V8 runs this function unoptimised until it
 * has executed bytecode in proportion to its size, and a cold scan of a large
 * file spends much of its time in that phase.
 */
export function scan(source: string, keepComments: boolean): Scanned {
  // Token kinds as local constants: `T.Ident` is a property load at every use
  // in the code Maglev makes, and a cold scan runs in Maglev's code.
  const EOF: typeof T.EOF = 0;
  const COMMENT: typeof T.Comment = 2;
  const IDENT: typeof T.Ident = 3;
  const NUMBER: typeof T.Number = 4;
  const O_BRACE: typeof T.OBrace = 5;
  const C_BRACE: typeof T.CBrace = 6;
  const O_QUOTE: typeof T.OQuote = 11;
  const C_QUOTE: typeof T.CQuote = 12;
  const QUOTED_LIT: typeof T.QuotedLit = 13;
  const O_HEREDOC: typeof T.OHeredoc = 14;
  const C_HEREDOC: typeof T.CHeredoc = 15;
  const STRING_LIT: typeof T.StringLit = 16;
  const TEMPLATE_INTERP: typeof T.TemplateInterp = 17;
  const TEMPLATE_CONTROL: typeof T.TemplateControl = 18;
  const TEMPLATE_SEQ_END: typeof T.TemplateSeqEnd = 19;
  const EQUAL: typeof T.Equal = 20;
  const EQUAL_OP: typeof T.EqualOp = 21;
  const LESS_THAN: typeof T.LessThan = 23;
  const SLASH: typeof T.Slash = 33;
  const DOT: typeof T.Dot = 35;
  const ELLIPSIS: typeof T.Ellipsis = 37;
  const FAT_ARROW: typeof T.FatArrow = 38;
  const INVALID: typeof T.Invalid = 42;
  const UNCLOSED_COMMENT: typeof T.UnclosedComment = 43;
  const len = source.length;
  let cap = Math.max(64, ((len / 3) | 0) + 16);
  let types = new Uint8Array(cap);
  let starts = new Int32Array(cap);
  let ends = new Int32Array(cap);
  let count = 0;

  let mode = MODE_NORMAL;
  /** Open `{` inside a template sequence, so `}` closes the right thing. */
  let braces = 0;
  /** The innermost heredoc's closing marker, and whether its next step starts a line. */
  let marker = "";
  let atLineStart = false;
  /** The modes interrupted by the current one, as (mode, braces) pairs. */
  const outer: number[] = [];
  const outerMarkers: string[] = [];
  const actions = ACTIONS;
  const identContinue = IDENT_CONTINUE;

  let i = 0;
  if (len > 0 && source.charCodeAt(0) === 0xfeff) i = 1;

  for (;;) {
    // Checked before every step rather than every store: a step stores at
    // most one token, and the last step always stores EOF, so the arrays grow
    // exactly when a check per store would have grown them.
    if (count === cap) {
      cap *= 2;
      types = grown(types, new Uint8Array(cap));
      starts = grown(starts, new Int32Array(cap));
      ends = grown(ends, new Int32Array(cap));
    }
    let type: number;
    let end: number;
    if (i >= len) {
      // Stored by the same code as every other token: code after the loop
      // would have no type feedback, and deoptimise at the end of every scan.
      type = EOF;
      end = len;
    } else if (mode < MODE_QUOTED) {
      let c = source.charCodeAt(i);
      if (c === 32) {
        c = source.charCodeAt(++i);
        while (c === 32 || c === 9 || c === 13) c = source.charCodeAt(++i);
        if (i >= len) continue;
      }
      const action = c < 128 ? actions[c] : 81;
      type = action;
      end = i + 1;
      // Literal case labels: a switch over dense small integers is a jump table in every tier.
      switch (action) {
        case 64: // identifier start
          type = IDENT;
          while (end < len) {
            const d = source.charCodeAt(end);
            if (d < 128 && identContinue[d] === 1) end++;
            else if (d >= 0x80 && isIdContinueAt(source, end)) {
              end += d >= 0xd800 && d <= 0xdbff ? 2 : 1;
            } else break;
          }
          break;
        case 65: // tab or CR (of CRLF; a lone CR is whitespace too); spaces are skipped above
          i++;
          continue;
        case 66: // digit
          type = NUMBER;
          end = numberEnd(source, i, len);
          break;
        case 67: // "
          type = O_QUOTE;
          outer.push(mode, braces);
          mode = MODE_QUOTED;
          break;
        case 68: // #
          type = COMMENT;
          end = lineCommentEnd(source, i, len);
          if (!keepComments) {
            i = end;
            continue;
          }
          break;
        case 69: { // /
          const n = source.charCodeAt(i + 1);
          if (n === 47) {
            type = COMMENT;
            end = lineCommentEnd(source, i, len);
          } else if (n === 42) {
            const close = source.indexOf("*/", i + 2);
            type = close < 0 ? UNCLOSED_COMMENT : COMMENT;
            end = close < 0 ? len : close + 2;
          } else type = SLASH;
          if (type === COMMENT && !keepComments) {
            i = end;
            continue;
          }
          break;
        }
        case 70: // {
          // Counted in every mode, but only a sequence ever reads it.
          braces++;
          type = O_BRACE;
          break;
        case 71: // }
          if (braces > 0) {
            braces--;
            type = C_BRACE;
          } else if (mode === MODE_SEQUENCE) {
            type = TEMPLATE_SEQ_END;
            braces = outer.pop()!;
            mode = outer.pop()!;
          } else type = C_BRACE;
          break;
        case 72: // ~ is only meaningful as a strip marker before a sequence's closing brace
          if (source.charCodeAt(i + 1) === 125 && mode === MODE_SEQUENCE && braces === 0) {
            type = TEMPLATE_SEQ_END;
            end = i + 2;
            braces = outer.pop()!;
            mode = outer.pop()!;
          } else type = INVALID;
          break;
        case 73: // .
          if (source.charCodeAt(i + 1) === 46 && source.charCodeAt(i + 2) === 46) {
            type = ELLIPSIS;
            end = i + 3;
          } else type = DOT;
          break;
        case 74: { // =
          const n = source.charCodeAt(i + 1);
          if (n === 61) {
            type = EQUAL_OP;
            end = i + 2;
          } else if (n === 62) {
            type = FAT_ARROW;
            end = i + 2;
          } else type = EQUAL;
          break;
        }
        case 75: { // <
          const n = source.charCodeAt(i + 1);
          if (n === 60 && (end = heredocBodyStart(source, i, len)) > 0) {
            type = O_HEREDOC;
            outer.push(mode, braces);
            outerMarkers.push(marker);
            mode = MODE_HEREDOC;
            marker = heredocMarker(source, i, end);
            atLineStart = true;
          } else {
            type = twoCharType(c, n);
            end = type === LESS_THAN ? i + 1 : i + 2;
          }
          break;
        }
        case 76: // ! > & | :
          type = twoCharType(c, source.charCodeAt(i + 1));
          end = i + (type === ONE_CHAR[c] ? 1 : 2);
          break;
        case 81: // beyond ASCII
          type = nonAsciiType(source, i);
          end = type === IDENT ? identEnd(source, i, len) : invalidEnd(source, i, len);
      }
    } else {
      if (mode === MODE_QUOTED) {
        const c = source.charCodeAt(i);
        if (c === 34 || c === 10 || c === 13) {
          braces = outer.pop()!;
          mode = outer.pop()!;
          // A quoted string cannot span lines: it ends here so the rest of the
          // file still lexes normally; the parser reports the missing quote.
          if (c !== 34) continue;
          type = C_QUOTE;
          end = i + 1;
        } else {
          type = QUOTED_LIT;
          end = quotedRunEnd(source, i, len);
        }
      } else {
        type = STRING_LIT;
        end = -1;
        if (atLineStart) {
          atLineStart = false;
          end = closingMarkerEnd(source, i, len, marker);
          if (end >= 0) {
            type = C_HEREDOC;
            marker = outerMarkers.pop()!;
            braces = outer.pop()!;
            mode = outer.pop()!;
          }
        }
        if (end < 0) {
          end = heredocRunEnd(source, i, len);
          atLineStart = end > i && source.charCodeAt(end - 1) === 10;
        }
      }
      if (end === i) { // no literal before a `${` / `%{`: open a sequence
        type = source.charCodeAt(i) === 36 ? TEMPLATE_INTERP : TEMPLATE_CONTROL;
        end = source.charCodeAt(i + 2) === 126 ? i + 3 : i + 2;
        outer.push(mode, braces);
        mode = MODE_SEQUENCE;
        braces = 0;
      }
    }
    types[count] = type;
    starts[count] = i;
    ends[count++] = end;
    if (type === EOF) return { types, starts, ends, count };
    i = end;
  }
}

/** `to` (longer) holding a copy of `from`. */
function grown<A extends Uint8Array | Int32Array>(from: A, to: A): A {
  to.set(from);
  return to;
}

/**
 * The end of a `#` or `//` comment: its line's end, without the CR of a CRLF
 * (which the scan then skips as whitespace).
 */
function lineCommentEnd(source: string, from: number, len: number): number {
  let j = source.indexOf("\n", from);
  if (j < 0) j = len;
  return source.charCodeAt(j - 1) === 13 ? j - 1 : j;
}

function numberEnd(source: string, from: number, len: number): number {
  let j = from + 1;
  while (j < len && isDigit(source.charCodeAt(j))) j++;
  if (source.charCodeAt(j) === 46 && isDigit(source.charCodeAt(j + 1))) {
    j += 2;
    while (j < len && isDigit(source.charCodeAt(j))) j++;
  }
  const e = source.charCodeAt(j);
  if (e === 101 || e === 69) {
    let k = j + 1;
    const sign = source.charCodeAt(k);
    if (sign === 43 || sign === 45) k++;
    if (isDigit(source.charCodeAt(k))) {
      k++;
      while (k < len && isDigit(source.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}

/** The type of the operator made of `c` and, when it forms one with it, `next`. */
function twoCharType(c: number, next: number): number {
  switch (c) {
    case 33: // !
      return next === 61 ? T.NotEqual : T.Bang;
    case 60: // <
      return next === 61 ? T.LessThanEq : T.LessThan;
    case 62: // >
      return next === 61 ? T.GreaterThanEq : T.GreaterThan;
    case 38: // &
      return next === 38 ? T.And : T.Invalid;
    case 124: // |
      return next === 124 ? T.Or : T.Invalid;
    default: // :
      return next === 58 ? T.DoubleColon : T.Colon;
  }
}

/** What a character beyond ASCII starts: an identifier, or an invalid token. */
function nonAsciiType(source: string, at: number): number {
  return isIdStartAt(source, at) ? T.Ident : T.Invalid;
}

function identEnd(source: string, from: number, len: number): number {
  const c = source.charCodeAt(from);
  let j = from + (c >= 0xd800 && c <= 0xdbff ? 2 : 1);
  while (j < len) {
    const d = source.charCodeAt(j);
    if (d < 128 && IDENT_CONTINUE[d] === 1) j++;
    else if (d >= 0x80 && isIdContinueAt(source, j)) j += d >= 0xd800 && d <= 0xdbff ? 2 : 1;
    else break;
  }
  return j;
}

/** An invalid character is one token; a surrogate pair stays whole. */
function invalidEnd(source: string, at: number, len: number): number {
  const c = source.charCodeAt(at);
  return c >= 0xd800 && c <= 0xdbff && at + 1 < len ? at + 2 : at + 1;
}

/**
 * The end of the literal run of a quoted template that starts at `from`: at
 * the closing quote, a line break, a sequence opener, or `len`.
 */
function quotedRunEnd(source: string, from: number, len: number): number {
  let j = from;
  while (j < len) {
    const d = source.charCodeAt(j);
    if (d > 37 && d !== 92) { // none of the characters below
      j++;
    } else if (d === 34 || d === 10 || d === 13) {
      return j;
    } else if (d === 92) { // backslash: skip the escaped character so `\"` does not close
      j += j + 1 < len && source.charCodeAt(j + 1) !== 10 ? 2 : 1;
    } else if ((d === 36 || d === 37) && source.charCodeAt(j + 1) === 123) {
      // `$${` / `%%{` is a literal `${` / `%{`
      if (j > from && source.charCodeAt(j - 1) === d) j += 2;
      else return j;
    } else j++;
  }
  return j;
}

/**
 * The end of a heredoc's literal run from `from`: after a newline, at a
 * sequence opener, or at `len`.
 */
function heredocRunEnd(source: string, from: number, len: number): number {
  let j = from;
  while (j < len) {
    const d = source.charCodeAt(j);
    if (d === 10) return j + 1;
    if ((d === 36 || d === 37) && source.charCodeAt(j + 1) === 123) {
      if (j > from && source.charCodeAt(j - 1) === d) j += 2;
      else return j;
    } else j++;
  }
  return j;
}

/** The end of the closing `marker` when the line from `from` is one, else -1. */
function closingMarkerEnd(source: string, from: number, len: number, marker: string): number {
  let j = from;
  while (j < len) {
    const d = source.charCodeAt(j);
    if (d === 32 || d === 9) j++;
    else break;
  }
  if (!source.startsWith(marker, j)) return -1;
  const end = j + marker.length;
  let k = end;
  while (k < len && (source.charCodeAt(k) === 32 || source.charCodeAt(k) === 9)) k++;
  const d = source.charCodeAt(k);
  // HashiCorp's scanner needs a newline after the closing marker, even at EOF.
  return d === 10 || (d === 13 && source.charCodeAt(k + 1) === 10) ? end : -1;
}

/**
 * For `<<ID` or `<<-ID` followed by a newline at `from`, where the heredoc's
 * body starts; 0 when this is not a heredoc.
 */
function heredocBodyStart(source: string, from: number, len: number): number {
  let j = from + 2;
  if (source.charCodeAt(j) === 45) j++;
  const c = source.charCodeAt(j);
  if (
    !((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 ||
      (c >= 0x80 && isIdStartAt(source, j)))
  ) {
    return 0;
  }
  j++;
  while (j < len) {
    const d = source.charCodeAt(j);
    if (d < 128 && IDENT_CONTINUE[d] === 1) j++;
    else if (d >= 0x80 && isIdContinueAt(source, j)) j++;
    else break;
  }
  if (source.charCodeAt(j) === 13) j++;
  if (source.charCodeAt(j) !== 10) return 0;
  return j + 1;
}

/** The `ID` of the heredoc opener at `from` whose body starts at `bodyStart`. */
function heredocMarker(source: string, from: number, bodyStart: number): string {
  const idStart = from + (source.charCodeAt(from + 2) === 45 ? 3 : 2);
  const idEnd = source.charCodeAt(bodyStart - 2) === 13 ? bodyStart - 2 : bodyStart - 1;
  return source.slice(idStart, idEnd);
}

/**
 * What the scan does at each ASCII character where it makes normal tokens:
 * below 64, make a one-character token of that type; from 64 up, take the
 * numbered case of its `switch` (beyond ASCII is case 81).
 */
const ACTIONS = new Uint8Array(128).fill(T.Invalid);
/** For the characters of case 76, the token they make alone. */
const ONE_CHAR = new Uint8Array(128);
for (let c = 97; c <= 122; c++) ACTIONS[c] = 64;
for (let c = 65; c <= 90; c++) ACTIONS[c] = 64;
for (let c = 48; c <= 57; c++) ACTIONS[c] = 66;
for (
  const [ch, action] of [
    ["_", 64],
    [" ", 65],
    ["\t", 65],
    ["\r", 65],
    ['"', 67],
    ["#", 68],
    ["/", 69],
    ["{", 70],
    ["}", 71],
    ["~", 72],
    [".", 73],
    ["=", 74],
    ["<", 75],
    ["!", 76],
    [">", 76],
    ["&", 76],
    ["|", 76],
    [":", 76],
    ["\n", T.Newline],
    ["[", T.OBrack],
    ["]", T.CBrack],
    ["(", T.OParen],
    [")", T.CParen],
    [",", T.Comma],
    ["+", T.Plus],
    ["-", T.Minus],
    ["*", T.Star],
    ["%", T.Percent],
    ["?", T.Question],
  ] as const
) ACTIONS[ch.charCodeAt(0)] = action;
for (let c = 0; c < 128; c++) if (ACTIONS[c] === 76) ONE_CHAR[c] = twoCharType(c, 0);

/** ASCII characters that continue an identifier: letters, digits, `_` and `-`. */
const IDENT_CONTINUE = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45
  ) IDENT_CONTINUE[c] = 1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const ID_START = /^[\p{ID_Start}\p{Pc}]/u;
const ID_CONTINUE = /^[\p{ID_Continue}\p{Mn}\p{Mc}\p{Nd}\p{Pc}-]/u;

function isIdStartAt(source: string, i: number): boolean {
  return ID_START.test(String.fromCodePoint(source.codePointAt(i)!));
}

function isIdContinueAt(source: string, i: number): boolean {
  return ID_CONTINUE.test(String.fromCodePoint(source.codePointAt(i)!));
}
