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

const MODE_QUOTED = 1;
const MODE_HEREDOC = 2;
/** Inside `${…}` / `%{…}`: normal tokens until the matching `}`. */
const MODE_SEQUENCE = 3;

interface Mode {
  kind: number;
  /** Open `{` inside a template sequence, so `}` closes the right thing. */
  braces: number;
  /** For heredocs: the marker, whether lines may be indented, and the scan state. */
  marker: string;
  atLineStart: boolean;
}

/**
 * Scans `source` into typed arrays. With `keepComments` false, comments are
 * dropped (the parser never needs them) but newlines are kept, because they
 * end attributes.
 */
export function scan(source: string, keepComments: boolean): Scanned {
  const len = source.length;
  let cap = Math.max(64, ((len / 3) | 0) + 16);
  let types = new Uint8Array(cap);
  let starts = new Int32Array(cap);
  let ends = new Int32Array(cap);
  let count = 0;
  const push = (type: number, start: number, end: number) => {
    if (count === cap) {
      cap *= 2;
      const nt = new Uint8Array(cap);
      nt.set(types);
      types = nt;
      const ns = new Int32Array(cap);
      ns.set(starts);
      starts = ns;
      const ne = new Int32Array(cap);
      ne.set(ends);
      ends = ne;
    }
    types[count] = type;
    starts[count] = start;
    ends[count] = end;
    count++;
  };

  const modes: Mode[] = [];
  let mode: Mode | undefined;
  let i = 0;
  if (len > 0 && source.charCodeAt(0) === 0xfeff) i = 1;

  while (i < len) {
    if (mode !== undefined && mode.kind === MODE_QUOTED) {
      i = scanQuoted(i);
      continue;
    }
    if (mode !== undefined && mode.kind === MODE_HEREDOC) {
      i = scanHeredoc(i);
      continue;
    }
    const c = source.charCodeAt(i);
    // Identifier (ASCII fast path).
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) {
      let j = i + 1;
      while (j < len) {
        const d = source.charCodeAt(j);
        if (d < 128 && IDENT_CONTINUE[d] === 1) j++;
        else if (d >= 0x80 && isIdContinueAt(source, j)) j += d >= 0xd800 && d <= 0xdbff ? 2 : 1;
        else break;
      }
      push(T.Ident, i, j);
      i = j;
      continue;
    }
    switch (c) {
      case 32: // space
      case 9: // tab
      case 13: { // CR (of CRLF; a lone CR is whitespace too)
        let j = i + 1;
        let d = source.charCodeAt(j);
        while (d === 32 || d === 9 || d === 13) d = source.charCodeAt(++j);
        i = j;
        continue;
      }
      case 10:
        push(T.Newline, i, i + 1);
        i++;
        continue;
      case 48:
      case 49:
      case 50:
      case 51:
      case 52:
      case 53:
      case 54:
      case 55:
      case 56:
      case 57: {
        let j = i + 1;
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
        push(T.Number, i, j);
        i = j;
        continue;
      }
      case 34: // "
        push(T.OQuote, i, i + 1);
        enter({ kind: MODE_QUOTED, braces: 0, marker: "", atLineStart: false });
        i++;
        continue;
      case 35: // #
        i = lineComment(i);
        continue;
      case 47: { // /
        const n = source.charCodeAt(i + 1);
        if (n === 47) {
          i = lineComment(i);
          continue;
        }
        if (n === 42) {
          const close = source.indexOf("*/", i + 2);
          if (close < 0) {
            push(T.UnclosedComment, i, len);
            i = len;
          } else {
            if (keepComments) push(T.Comment, i, close + 2);
            i = close + 2;
          }
          continue;
        }
        push(T.Slash, i, i + 1);
        i++;
        continue;
      }
      case 123: // {
        if (mode !== undefined) mode.braces++;
        push(T.OBrace, i, i + 1);
        i++;
        continue;
      case 125: // }
        if (mode !== undefined && mode.kind === MODE_SEQUENCE && mode.braces === 0) {
          push(T.TemplateSeqEnd, i, i + 1);
          leave();
        } else {
          if (mode !== undefined && mode.braces > 0) mode.braces--;
          push(T.CBrace, i, i + 1);
        }
        i++;
        continue;
      case 126: // ~ is only meaningful as a strip marker before a sequence's closing brace
        if (
          source.charCodeAt(i + 1) === 125 && mode !== undefined && mode.kind === MODE_SEQUENCE &&
          mode.braces === 0
        ) {
          push(T.TemplateSeqEnd, i, i + 2);
          leave();
          i += 2;
        } else {
          push(T.Invalid, i, i + 1);
          i++;
        }
        continue;
      case 91:
        push(T.OBrack, i, i + 1);
        i++;
        continue;
      case 93:
        push(T.CBrack, i, i + 1);
        i++;
        continue;
      case 40:
        push(T.OParen, i, i + 1);
        i++;
        continue;
      case 41:
        push(T.CParen, i, i + 1);
        i++;
        continue;
      case 44:
        push(T.Comma, i, i + 1);
        i++;
        continue;
      case 46: // .
        if (source.charCodeAt(i + 1) === 46 && source.charCodeAt(i + 2) === 46) {
          push(T.Ellipsis, i, i + 3);
          i += 3;
        } else {
          push(T.Dot, i, i + 1);
          i++;
        }
        continue;
      case 61: { // =
        const n = source.charCodeAt(i + 1);
        if (n === 61) {
          push(T.EqualOp, i, i + 2);
          i += 2;
        } else if (n === 62) {
          push(T.FatArrow, i, i + 2);
          i += 2;
        } else {
          push(T.Equal, i, i + 1);
          i++;
        }
        continue;
      }
      case 33: // !
        if (source.charCodeAt(i + 1) === 61) {
          push(T.NotEqual, i, i + 2);
          i += 2;
        } else {
          push(T.Bang, i, i + 1);
          i++;
        }
        continue;
      case 60: // <
        if (source.charCodeAt(i + 1) === 60) {
          const j = heredocStart(i);
          if (j > 0) {
            i = j;
            continue;
          }
        }
        if (source.charCodeAt(i + 1) === 61) {
          push(T.LessThanEq, i, i + 2);
          i += 2;
        } else {
          push(T.LessThan, i, i + 1);
          i++;
        }
        continue;
      case 62: // >
        if (source.charCodeAt(i + 1) === 61) {
          push(T.GreaterThanEq, i, i + 2);
          i += 2;
        } else {
          push(T.GreaterThan, i, i + 1);
          i++;
        }
        continue;
      case 38: // &
        if (source.charCodeAt(i + 1) === 38) {
          push(T.And, i, i + 2);
          i += 2;
        } else {
          push(T.Invalid, i, i + 1);
          i++;
        }
        continue;
      case 124: // |
        if (source.charCodeAt(i + 1) === 124) {
          push(T.Or, i, i + 2);
          i += 2;
        } else {
          push(T.Invalid, i, i + 1);
          i++;
        }
        continue;
      case 43:
        push(T.Plus, i, i + 1);
        i++;
        continue;
      case 45:
        push(T.Minus, i, i + 1);
        i++;
        continue;
      case 42:
        push(T.Star, i, i + 1);
        i++;
        continue;
      case 37:
        push(T.Percent, i, i + 1);
        i++;
        continue;
      case 63:
        push(T.Question, i, i + 1);
        i++;
        continue;
      case 58: // :
        if (source.charCodeAt(i + 1) === 58) {
          push(T.DoubleColon, i, i + 2);
          i += 2;
        } else {
          push(T.Colon, i, i + 1);
          i++;
        }
        continue;
    }
    if (c >= 0x80 && isIdStartAt(source, i)) {
      let j = i + (c >= 0xd800 && c <= 0xdbff ? 2 : 1);
      while (j < len) {
        const d = source.charCodeAt(j);
        if (d < 128 && IDENT_CONTINUE[d] === 1) j++;
        else if (d >= 0x80 && isIdContinueAt(source, j)) j += d >= 0xd800 && d <= 0xdbff ? 2 : 1;
        else break;
      }
      push(T.Ident, i, j);
      i = j;
      continue;
    }
    if (c === 0xa0 || c === 0xfeff) { // stray no-break space / BOM: whitespace-like but invalid
      push(T.Invalid, i, i + 1);
      i++;
      continue;
    }
    const width = c >= 0xd800 && c <= 0xdbff && i + 1 < len ? 2 : 1;
    push(T.Invalid, i, i + width);
    i += width;
  }
  push(T.EOF, len, len);
  return { types, starts, ends, count };

  function enter(m: Mode) {
    if (mode !== undefined) modes.push(mode);
    mode = m;
  }
  function leave() {
    mode = modes.pop();
  }

  function lineComment(from: number): number {
    let j = from;
    while (j < len) {
      const d = source.charCodeAt(j);
      if (d === 10) break;
      j++;
    }
    let end = j;
    if (end > from && source.charCodeAt(end - 1) === 13) end--;
    if (keepComments) push(T.Comment, from, end);
    return j;
  }

  /** `<<ID` or `<<-ID` followed by a newline; returns 0 when this is not a heredoc. */
  function heredocStart(from: number): number {
    let j = from + 2;
    const indented = source.charCodeAt(j) === 45;
    if (indented) j++;
    const idStart = j;
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
    const idEnd = j;
    if (source.charCodeAt(j) === 13) j++;
    if (source.charCodeAt(j) !== 10) return 0;
    j++;
    push(T.OHeredoc, from, j);
    enter({
      kind: MODE_HEREDOC,
      braces: 0,
      marker: source.slice(idStart, idEnd),
      atLineStart: true,
    });
    return j;
  }

  /** One step inside a quoted template: a literal run, a sequence opener or the closing quote. */
  function scanQuoted(from: number): number {
    let j = from;
    while (j < len) {
      const d = source.charCodeAt(j);
      if (d === 34) {
        if (j > from) push(T.QuotedLit, from, j);
        push(T.CQuote, j, j + 1);
        leave();
        return j + 1;
      }
      if (d === 92) { // backslash: skip the escaped character so `\"` does not close
        j += j + 1 < len && source.charCodeAt(j + 1) !== 10 ? 2 : 1;
        continue;
      }
      if (d === 10 || d === 13) {
        // A quoted string cannot span lines: end it here so the rest of the file
        // still lexes normally; the parser reports the missing quote.
        if (j > from) push(T.QuotedLit, from, j);
        leave();
        return j;
      }
      if ((d === 36 || d === 37) && source.charCodeAt(j + 1) === 123) {
        if (j > from && source.charCodeAt(j - 1) === d) {
          // `$${` / `%%{` is a literal `${` / `%{`
          j += 2;
          continue;
        }
        if (j > from) push(T.QuotedLit, from, j);
        return openSequence(j, d);
      }
      j++;
    }
    if (j > from) push(T.QuotedLit, from, j);
    leave();
    return j;
  }

  function openSequence(at: number, sigil: number): number {
    let end = at + 2;
    if (source.charCodeAt(end) === 126) end++;
    push(sigil === 36 ? T.TemplateInterp : T.TemplateControl, at, end);
    enter({ kind: MODE_SEQUENCE, braces: 0, marker: "", atLineStart: false });
    return end;
  }

  /** One step inside a heredoc: a closing marker line, a literal run or a sequence opener. */
  function scanHeredoc(from: number): number {
    const m = mode!;
    if (m.atLineStart) {
      let j = from;
      while (j < len) {
        const d = source.charCodeAt(j);
        if (d === 32 || d === 9) j++;
        else break;
      }
      if (source.startsWith(m.marker, j)) {
        let k = j + m.marker.length;
        while (k < len && (source.charCodeAt(k) === 32 || source.charCodeAt(k) === 9)) k++;
        const d = source.charCodeAt(k);
        // HashiCorp's scanner needs a newline after the closing marker, even at EOF.
        if (d === 10 || (d === 13 && source.charCodeAt(k + 1) === 10)) {
          push(T.CHeredoc, from, j + m.marker.length);
          leave();
          return j + m.marker.length;
        }
      }
      m.atLineStart = false;
    }
    let j = from;
    while (j < len) {
      const d = source.charCodeAt(j);
      if (d === 10) {
        push(T.StringLit, from, j + 1);
        m.atLineStart = true;
        return j + 1;
      }
      if ((d === 36 || d === 37) && source.charCodeAt(j + 1) === 123) {
        if (j > from && source.charCodeAt(j - 1) === d) {
          j += 2;
          continue;
        }
        if (j > from) push(T.StringLit, from, j);
        return openSequence(j, d);
      }
      j++;
    }
    if (j > from) push(T.StringLit, from, j);
    leave(); // unterminated heredoc: the parser reports it at EOF
    return j;
  }
}

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
