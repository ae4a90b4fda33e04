/**
 * Source text and positions.
 *
 * Offsets everywhere in the AST are indices into the JavaScript source string
 * (UTF-16 code units), because that is what the lexer can produce without
 * re-encoding. `SourceFile` turns them into what users see: 1-based line,
 * 1-based column counted in Unicode code points, and the UTF-8 byte offset
 * (the `byte` field of JSON diagnostics). For ASCII text all three agree.
 *
 * A leading byte order mark (U+FEFF) stays in the text, so offsets and bytes
 * count it (byte 3 is the first character, as in Terraform), but it is not a
 * column: the first character is column 1 and lines are shown without it.
 */

/** A half-open span [start, end) of one file. */
export interface Range {
  readonly filename: string;
  readonly start: number;
  readonly end: number;
}

export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column in code points. */
  readonly column: number;
  /** 0-based UTF-8 byte offset. */
  readonly byte: number;
}

export function makeRange(filename: string, start: number, end: number): Range {
  return { filename, start, end };
}

/** Smallest range covering both (same file assumed). */
export function joinRanges(a: Range, b: Range): Range {
  return { filename: a.filename, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

export class SourceFile {
  readonly filename: string;
  readonly text: string;
  #lineStarts: number[] | undefined;

  constructor(filename: string, text: string) {
    this.filename = filename;
    this.text = text;
  }

  /** Offsets where each line begins; computed on first use so parsing never pays for it. */
  get lineStarts(): number[] {
    if (this.#lineStarts === undefined) {
      const starts = [0];
      const text = this.text;
      for (let i = 0; i < text.length; i++) {
        if (text.charCodeAt(i) === 10) starts.push(i + 1);
      }
      this.#lineStarts = starts;
    }
    return this.#lineStarts;
  }

  /** 0-based line index containing `offset`. */
  lineIndex(offset: number): number {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const line = this.lineIndex(clamped);
    const lineStart = line === 0 ? Math.min(this.#bomLength, clamped) : this.lineStarts[line];
    return {
      line: line + 1,
      column: codePointLength(this.text, lineStart, clamped) + 1,
      byte: utf8Length(this.text, 0, clamped),
    };
  }

  /** 1 when the text starts with a byte order mark, else 0. */
  get #bomLength(): number {
    return this.text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  /** The text of a 1-based line without its line terminator (nor, on line 1, a byte order mark). */
  lineText(line: number): string {
    const starts = this.lineStarts;
    const start = line === 1 ? this.#bomLength : starts[line - 1] ?? this.text.length;
    let end = starts[line] ?? this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }
}

export function codePointLength(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) i++;
    count++;
  }
  return count;
}

export function utf8Length(text: string, from: number, to: number): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
