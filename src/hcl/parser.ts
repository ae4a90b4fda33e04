/**
 * The HCL native-syntax parser: recursive descent over the lexer's token
 * arrays, precedence climbing for binary operators.
 *
 * Error handling: a problem inside a body item records one diagnostic and
 * aborts that item (an internal exception that never leaves this module);
 * the body then skips to the end of the item — the next newline outside
 * brackets and templates, or the brace that closes the body — and carries
 * on, so every independent error of a file is reported once, without
 * follow-on errors. A quoted string that the scan carried past its line
 * (through a `${` missing its `}`) is cut back to its line and the rest of
 * the file rescanned; when an unterminated heredoc, template or comment runs
 * to the end of the file, the blocks around it are not also reported unclosed.
 * Nesting is capped (MAX_DEPTH) so hostile input becomes a diagnostic, never
 * a stack overflow.
 */
import type {
  Attribute,
  BinaryOperator,
  Block,
  BlockLabel,
  Body,
  Expression,
  ObjectItem,
  TemplateExpr,
  TemplatePart,
} from "./ast.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { type Range, SourceFile } from "./source.ts";
import { scan, type Scanned, T } from "./lexer.ts";
import {
  AttributeNode,
  BinaryNode,
  BlockNode,
  BodyNode,
  CallNode,
  ConditionalNode,
  ForNode,
  GetAttrNode,
  IndexNode,
  InterpolationNode,
  LabelNode,
  LiteralNode,
  ObjectItemNode,
  ObjectNode,
  ParensNode,
  PlainTemplateNode,
  type Spanned,
  SplatItemNode,
  SplatNode,
  TemplateLiteralNode,
  TemplateNode,
  TupleNode,
  UnaryNode,
  VariableNode,
} from "./_nodes.ts";
import {
  applyStripMarkers,
  decodeQuoted,
  flushHeredocIndent,
  nestDirectives,
  type RawPart,
  type SeqPart,
} from "./_parse_template.ts";

export interface ParseResult {
  readonly body: Body;
  readonly diagnostics: Diagnostic[];
}

const MAX_DEPTH = 400;
const INTERN_SIZE = 2048;

/** How the template around an error ends (see `enclosingTemplate`). */
const CLOSED = 0;
const UNTERMINATED = 1;
const AT_EOF = 2;

interface TemplateExtent {
  /** Its opening token. */
  open: number;
  closedBy: typeof CLOSED | typeof UNTERMINATED | typeof AT_EOF;
  /** Whether the scan took it across a line break outside any heredoc. */
  multiline: boolean;
  /** Whether a heredoc starts on its first line. */
  heredoc: boolean;
}

/** Thrown to abandon the current body item after its diagnostic is recorded. */
class Abort {
  constructor(readonly at: number) {}
}

/** Parses a whole file. Never throws; every problem is a diagnostic. */
export function parse(source: string, filename: string): ParseResult {
  const p = new Parser(source, filename);
  let body: Body;
  try {
    body = p.parseFile();
  } catch (e) {
    // Defensive: an engine limit we did not foresee still becomes a diagnostic.
    p.diags.push(internalError(filename, source, e));
    body = { kind: "Body", items: [], range: { filename, start: 0, end: source.length } };
  }
  return { body, diagnostics: p.diags };
}

/** Parses a standalone expression (for `--var` values and tests). */
export function parseExpression(source: string, filename: string): {
  expr: Expression;
  diagnostics: Diagnostic[];
} {
  const p = new Parser(source, filename);
  let expr: Expression | undefined;
  try {
    p.nl = false;
    expr = p.expression();
    if (p.cur() !== T.EOF) {
      p.fail(
        "CW1023",
        "Extra characters after expression",
        "expected the end of the expression",
        p.range(p.pos),
      );
    }
  } catch (e) {
    if (!(e instanceof Abort)) p.diags.push(internalError(filename, source, e));
  }
  return {
    expr: expr ??
      { kind: "Literal", value: null, range: { filename, start: 0, end: source.length } },
    diagnostics: p.diags,
  };
}

/** Offsets of a node this parser built (all are Spanned), without allocating its range. */
function startOf(e: Expression | TemplateExpr): number {
  return (e as unknown as Spanned).start;
}
function endOf(e: Expression | TemplateExpr): number {
  return (e as unknown as Spanned).end;
}

function internalError(filename: string, source: string, e: unknown): Diagnostic {
  return {
    severity: "error",
    code: "CW1099",
    summary: "Input too complex to parse",
    detail: e instanceof RangeError ? "nesting exceeds the parser's limits" : String(e),
    subject: { filename, start: 0, end: Math.min(1, source.length) },
  };
}

const BINARY_PRECEDENCE = new Int8Array(64).fill(-1);
const BINARY_OP: BinaryOperator[] = [];
for (
  const [type, prec, op] of [
    [T.Or, 0, "||"],
    [T.And, 1, "&&"],
    [T.EqualOp, 2, "=="],
    [T.NotEqual, 2, "!="],
    [T.LessThan, 3, "<"],
    [T.LessThanEq, 3, "<="],
    [T.GreaterThan, 3, ">"],
    [T.GreaterThanEq, 3, ">="],
    [T.Plus, 4, "+"],
    [T.Minus, 4, "-"],
    [T.Star, 5, "*"],
    [T.Slash, 5, "/"],
    [T.Percent, 5, "%"],
  ] as const
) {
  BINARY_PRECEDENCE[type] = prec;
  BINARY_OP[type] = op;
}

const UNCLOSED: Record<number, string> = {
  [T.OBrack]: "bracket",
  [T.OParen]: "parenthesis",
  [T.OBrace]: "brace",
};

/** Beyond this many errors a file is not worth reading further. */
const MAX_ERRORS = 50;

const DESCRIBE: Record<number, string> = {
  [T.EOF]: "end of file",
  [T.Newline]: "newline",
  [T.OBrace]: "`{`",
  [T.CBrace]: "`}`",
  [T.OBrack]: "`[`",
  [T.CBrack]: "`]`",
  [T.OParen]: "`(`",
  [T.CParen]: "`)`",
  [T.Comma]: "`,`",
  [T.Equal]: "`=`",
  [T.Colon]: "`:`",
  [T.OQuote]: "a quoted string",
  [T.OHeredoc]: "a heredoc",
  [T.Number]: "a number",
  [T.Ident]: "a name",
  [T.TemplateSeqEnd]: "`}`",
  [T.Invalid]: "an invalid character",
};

class Parser {
  readonly diags: Diagnostic[] = [];
  // Replaced only when recovery rescans the rest of the file (`rescanFrom`).
  types: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  pos = 0;
  /** Whether newlines are significant in the current context. */
  nl = true;
  depth = 0;
  lines: SourceFile | undefined;
  /** Set when nesting exceeds MAX_DEPTH: the rest of the file is skipped without more errors. */
  halted = false;
  /**
   * Set when an error's recovery ran into the end of the file through an
   * unterminated heredoc or template: the closing braces of the blocks
   * around it may be in that text, so they are not reported missing.
   */
  swallowed = false;
  /** Rescans so far (bounded, so hostile input stays linear). */
  rescans = 0;
  count: number;
  /** For each opening/closing bracket token, its partner (-1 if none); built on the first error. */
  matches: Int32Array | undefined;
  readonly interned: (string | undefined)[] = new Array(INTERN_SIZE);
  /**
   * One stack for the elements of every list being built (body items, labels,
   * arguments, tuple and object items): each list is sliced off it once
   * complete, so it gets an exact-size backing store instead of the 17-slot
   * one a first `push` allocates. Most lists hold one to three elements.
   */
  readonly scratch: unknown[] = [];
  top = 0;

  constructor(readonly src: string, readonly filename: string) {
    const s: Scanned = scan(src, false);
    this.types = s.types;
    this.count = s.count;
    this.starts = s.starts;
    this.ends = s.ends;
  }

  // ---- token access -------------------------------------------------------

  cur(): number {
    let p = this.pos;
    const types = this.types;
    if (!this.nl) { while (types[p] === T.Newline) p++; }
    this.pos = p;
    return types[p];
  }

  /** Type of the token after the current one (newlines skipped when insignificant). */
  peekNext(): number {
    this.cur();
    let p = this.pos + 1;
    if (!this.nl) { while (this.types[p] === T.Newline) p++; }
    return this.types[p];
  }

  /**
   * The name of an identifier token, interned: configurations repeat a few
   * hundred names (`var`, `each`, attribute names) many thousands of times,
   * and sharing one string for each saves allocations and later hashing.
   */
  ident(i: number): string {
    const src = this.src;
    const start = this.starts[i];
    const end = this.ends[i];
    // The length and the first, second and last characters tell apart the
    // names of a configuration well enough; a collision only costs a slice.
    const length = end - start;
    const h = Math.imul(
      length ^ (src.charCodeAt(start) << 4) ^ (src.charCodeAt(start + 1) << 9) ^
        (src.charCodeAt(end - 1) << 14),
      0x9e3779b1,
    );
    const slot = (h >>> 21) & (INTERN_SIZE - 1);
    const table = this.interned;
    const hit = table[slot];
    if (hit !== undefined && hit.length === end - start && src.startsWith(hit, start)) return hit;
    const name = src.slice(start, end);
    table[slot] = name;
    return name;
  }

  /** The elements pushed since `base`, as a new array; pops them. */
  collect<E>(base: number): E[] {
    const list = this.scratch.slice(base, this.top) as E[];
    this.top = base;
    return list;
  }

  text(i: number): string {
    return this.src.slice(this.starts[i], this.ends[i]);
  }

  range(i: number): Range {
    return { filename: this.filename, start: this.starts[i], end: this.ends[i] };
  }

  span(start: number, end: number): Range {
    return { filename: this.filename, start, end };
  }

  fail(code: string, summary: string, detail: string, subject: Range, notes?: string[]): never {
    this.report(code, summary, detail, subject, notes);
    throw new Abort(this.pos);
  }

  report(code: string, summary: string, detail: string, subject: Range, notes?: string[]): void {
    const d: Diagnostic = notes
      ? { severity: "error", code, summary, detail, subject, notes }
      : { severity: "error", code, summary, detail, subject };
    if (this.halted) return;
    // A second error on the token the last one was about is a follow-on
    // (recovery can resume on the line of an error and meet it again).
    if (
      this.diags.length > 0 && this.diags[this.diags.length - 1].subject?.start === subject.start
    ) {
      return;
    }
    if (this.diags.length === MAX_ERRORS) {
      this.diags.push({
        severity: "error",
        code: "CW1098",
        summary: "Too many errors",
        detail: `stopped reporting after ${MAX_ERRORS} errors in this file`,
        subject,
      });
    }
    if (this.diags.length <= MAX_ERRORS) this.diags.push(d);
  }

  describe(i: number): string {
    const t = this.types[i];
    if (t === T.Invalid) return `invalid character ${JSON.stringify(this.text(i))}`;
    return DESCRIBE[t] ?? `\`${this.text(i)}\``;
  }

  /** Fails at the current token, or with a dedicated message for invalid characters. */
  unexpected(expected: string, summary?: string): never {
    const i = this.pos;
    const t = this.types[i];
    if (t === T.Invalid) {
      this.fail(
        "CW1001",
        "Invalid character",
        `${JSON.stringify(this.text(i))} cannot appear here; expected ${expected}`,
        this.range(i),
      );
    }
    if (t === T.UnclosedComment) {
      this.fail("CW1002", "Unclosed comment", "no closing */ before end of file", {
        filename: this.filename,
        start: this.starts[i],
        end: this.starts[i] + 2,
      });
    }
    this.fail(
      "CW1009",
      summary ?? `Expected ${expected}`,
      `expected ${expected}, found ${this.describe(i)}`,
      this.range(i),
    );
  }

  expect(type: number, expected: string, summary?: string): number {
    if (this.cur() !== type) this.unexpected(expected, summary);
    return this.pos++;
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH) {
      // Whatever follows is inside the too-deep structure: stop here, quietly.
      this.halted = true;
      this.diags.push({
        severity: "error",
        code: "CW1014",
        summary: "Nesting too deep",
        detail: `more than ${MAX_DEPTH} nested brackets, blocks or templates`,
        subject: this.range(this.pos),
      });
      throw new Abort(this.pos);
    }
  }

  // ---- bodies -------------------------------------------------------------

  parseFile(): Body {
    const items = this.parseBodyItems(-1);
    const i = this.pos;
    if (this.types[i] !== T.EOF) {
      // A stray `}` at top level: report once and ignore the rest of the line.
      this.report("CW1006", "Unexpected closing brace", "no block is open here", this.range(i));
    }
    return new BodyNode(this.filename, 0, this.src.length, items);
  }

  /**
   * Items until EOF or (for a block body) the closing brace; leaves `pos` on
   * that token. `openIndex` is the block's `{` token, or -1 for the file.
   */
  parseBodyItems(openIndex: number): (Attribute | Block)[] {
    const base = this.top;
    let types = this.types;
    let index: Map<string, Attribute> | undefined;
    for (;;) {
      this.nl = true;
      let t = types[this.pos];
      while (t === T.Newline) t = types[++this.pos];
      if (t === T.EOF) return this.collect(base);
      if (t === T.CBrace) {
        if (openIndex >= 0) return this.collect(base);
        this.report(
          "CW1006",
          "Unexpected closing brace",
          "no block is open here",
          this.range(this.pos),
        );
        this.pos++;
        continue;
      }
      const itemStart = this.pos;
      const depth = this.depth;
      const top = this.top;
      try {
        const item = this.parseBodyItem();
        this.scratch[this.top++] = item;
        if (item.kind === "Attribute") index = this.checkDuplicate(base, item, index);
      } catch (e) {
        if (!(e instanceof Abort)) throw e;
        this.depth = depth;
        this.top = top;
        this.recover(itemStart, e.at);
        types = this.types;
      }
    }
  }

  /**
   * Bodies are small, so a backwards scan beats hashing every name; only
   * very long bodies get an index.
   */
  checkDuplicate(
    base: number,
    attr: Attribute,
    index: Map<string, Attribute> | undefined,
  ): Map<string, Attribute> | undefined {
    let first: Attribute | undefined;
    const name = attr.name;
    const items = this.scratch as (Attribute | Block)[];
    const last = this.top - 1;
    if (last - base < 32) {
      for (let k = last - 1; k >= base; k--) {
        const other = items[k];
        if (other.kind === "Attribute" && other.name === name) first = other;
      }
    } else {
      if (index === undefined) {
        index = new Map();
        for (let k = base; k < last; k++) {
          const other = items[k];
          if (other.kind === "Attribute" && !index.has(other.name)) index.set(other.name, other);
        }
      }
      first = index.get(name);
      if (first === undefined) index.set(name, attr);
    }
    if (first === undefined) return index;
    this.lines ??= new SourceFile(this.filename, this.src);
    const pos = this.lines.position(first.nameRange.start);
    const at = `${pos.line}:${pos.column}`;
    this.report(
      "CW1011",
      "Duplicate attribute",
      `"${attr.name}" is already set in this body`,
      attr.nameRange,
      [`first set at ${this.filename}:${at}; each attribute may be set only once`],
    );
    return index;
  }

  /**
   * Skips the rest of a broken item: the next newline outside brackets, or
   * the `}` closing the enclosing body (left for the caller). When brackets
   * never balance, falls back to the start or the end of the line where the
   * error was. Notes when the skip ran to the end of the file through an
   * unterminated heredoc or template (`swallowed`).
   */
  recover(itemStart: number, errorAt: number): void {
    if (this.halted) {
      while (this.types[this.pos] !== T.EOF) this.pos++;
      return;
    }
    errorAt = this.skipBrokenItem(itemStart, errorAt);
    if (this.pos === this.count - 1 && !this.swallowed) {
      // Skipped to the end of the file: through an unterminated heredoc or
      // template after the error?
      const after = this.enclosingTemplate(errorAt, this.count - 1);
      this.swallowed = after !== undefined && after.closedBy === AT_EOF;
    }
  }

  /** Sets `pos` past the broken item; returns `errorAt` in the tokens as they are afterwards. */
  skipBrokenItem(itemStart: number, errorAt: number): number {
    const template = this.enclosingTemplate(itemStart, errorAt);
    if (template !== undefined && template.closedBy !== CLOSED) {
      const newline = this.src.indexOf("\n", this.starts[template.open]);
      if (
        this.types[template.open] === T.OQuote && template.multiline && !template.heredoc &&
        newline >= 0 && this.rescans < MAX_ERRORS
      ) {
        // A quoted string cannot span lines, so one that the scan carried
        // over a line break through a `${` missing its `}` really ended on
        // its first line; everything after was scanned in the wrong mode.
        const errorOffset = this.starts[errorAt];
        this.rescanFrom(newline);
        errorAt = this.firstTokenAt(errorOffset);
      } else if (template.closedBy === AT_EOF) {
        this.swallowed = true;
        this.pos = this.count - 1;
        return errorAt;
      }
    }
    const types = this.types;
    if (types[errorAt] === T.EOF || types[errorAt] === T.UnclosedComment) {
      // Nothing after the error is left to parse.
      this.pos = this.count - 1;
      return errorAt;
    }
    // Skip bracketed groups whole, using the file's bracket matching, so
    // recovery costs only the length of the item and stays linear overall.
    const match = this.matches ??= matchBrackets(types, this.count);
    for (let i = itemStart;; i++) {
      const t = types[i];
      // At the item's own level, a `}` can only close the enclosing body.
      if (t === T.EOF || t === T.Newline || t === T.CBrace) {
        this.pos = i;
        return errorAt;
      }
      if (OPENER[t] !== 0) {
        if (match[i] < 0) break;
        i = match[i];
      }
    }
    // Brackets never balance: an unclosed bracket. Resume at the start of the
    // line where the error showed, so the lines after it still parse, unless
    // that line closes something of the lines before it (then it is still
    // part of the item, and the error's line is skipped).
    lineStart: for (let i = errorAt; i > itemStart; i--) {
      if (types[i] !== T.Newline) continue;
      for (let k = i + 1; k < errorAt; k++) {
        if (CLOSER[types[k]] !== 0 && match[k] >= 0 && match[k] < i) break lineStart;
      }
      this.pos = i;
      return errorAt;
    }
    let braces = 0;
    // Templates opened after the error: their newlines do not end the item.
    const templates: number[] = [];
    for (let i = Math.max(errorAt, itemStart + 1);; i++) {
      const t = types[i];
      if (t === T.EOF) {
        this.pos = i;
        return errorAt;
      }
      if (templates.length > 0 && stepTemplates(templates, t)) continue;
      if (OPENS_TEMPLATE[t] !== 0) {
        templates.push(t);
        continue;
      }
      if (t === T.Newline && braces <= 0) {
        this.pos = i;
        return errorAt;
      }
      // A `{` that never closes does not hold the item open to the end of the file.
      if (t === T.OBrace) braces += match[i] >= 0 ? 1 : 0;
      else if (t === T.CBrace) {
        if (braces > 0) braces--;
        else if (match[i] < itemStart) {
          // Not one closing a brace of this item opened before the error.
          this.pos = i;
          return errorAt;
        }
      }
    }
  }

  /**
   * The outermost quoted string or heredoc of the item from `itemStart` that
   * holds the token at `errorAt` (or ends right before it, unterminated),
   * followed the way the scan nested its modes, and how it ends. Costs the
   * length of the item, plus that of the template when it reaches past the
   * error.
   */
  enclosingTemplate(itemStart: number, errorAt: number): TemplateExtent | undefined {
    const types = this.types;
    const stack: number[] = [];
    let open = -1;
    let multiline = false;
    let heredoc = false;
    for (let i = itemStart;; i++) {
      const t = types[i];
      if (
        stack.length > 0 && stack[stack.length - 1] === T.OQuote && t !== T.QuotedLit &&
        t !== T.CQuote && t !== T.TemplateInterp && t !== T.TemplateControl
      ) {
        // The scan ended this string at a line break, without a token.
        stack.pop();
        if (stack.length === 0) {
          if (i >= errorAt) return { open, closedBy: UNTERMINATED, multiline, heredoc };
          open = -1;
        }
      }
      if (t === T.EOF) {
        return stack.length > 0 ? { open, closedBy: AT_EOF, multiline, heredoc } : undefined;
      }
      if (stack.length === 0 && i > errorAt) return undefined;
      let closed = false;
      switch (t) {
        case T.OQuote:
        case T.OHeredoc:
        case T.TemplateInterp:
        case T.TemplateControl:
          if (stack.length === 0) {
            open = i;
            multiline = false;
            heredoc = false;
          }
          stack.push(t);
          // Only a heredoc on the template's first line makes it legitimately multi-line.
          if (t === T.OHeredoc && !multiline) heredoc = true;
          break;
        case T.CQuote:
        case T.CHeredoc:
        case T.TemplateSeqEnd:
          if (stack.length > 0) {
            stack.pop();
            closed = stack.length === 0;
          }
          break;
        case T.Newline:
          if (stack.length > 0) multiline = true;
      }
      if (closed) {
        if (i >= errorAt) return { open, closedBy: CLOSED, multiline, heredoc };
        open = -1;
      }
    }
  }

  /**
   * Replaces the tokens from `offset` on with a fresh scan from there,
   * outside any template (a token reaching past `offset` goes too).
   */
  rescanFrom(offset: number): void {
    this.rescans++;
    let keep = this.firstTokenAt(offset);
    while (keep > 0 && this.ends[keep - 1] > offset) keep--;
    // The rest is scanned as a text of its own: the scan always starts outside any template.
    const tail = scan(this.src.slice(offset), false);
    const count = keep + tail.count;
    // Spare zeroed slots read as EOF, as the scan's own spare capacity does.
    const types = new Uint8Array(count + 8);
    const starts = new Int32Array(count + 8);
    const ends = new Int32Array(count + 8);
    types.set(this.types.subarray(0, keep));
    starts.set(this.starts.subarray(0, keep));
    ends.set(this.ends.subarray(0, keep));
    types.set(tail.types.subarray(0, tail.count), keep);
    for (let i = 0; i < tail.count; i++) {
      starts[keep + i] = tail.starts[i] + offset;
      ends[keep + i] = tail.ends[i] + offset;
    }
    this.types = types;
    this.starts = starts;
    this.ends = ends;
    this.count = count;
    this.matches = undefined;
  }

  /** Index of the first token starting at or after `offset` (EOF's when none). */
  firstTokenAt(offset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  parseBodyItem(): Attribute | Block {
    const types = this.types;
    const nameIndex = this.pos;
    if (types[nameIndex] !== T.Ident) {
      this.unexpected("an attribute or block definition", "Argument or block definition required");
    }
    const name = this.ident(nameIndex);
    this.pos++;
    const t = types[this.pos];
    if (t === T.Equal) {
      this.pos++;
      const attr = this.attributeRest(nameIndex, name);
      this.endOfLine("attribute");
      return attr;
    }
    if (t === T.OBrace || t === T.OQuote || t === T.Ident) return this.block(nameIndex, name);
    if (t === T.Newline || t === T.EOF) {
      this.fail(
        "CW1006",
        "Argument or block definition required",
        `"${name}" must be followed by \`=\` and a value, or by block labels and \`{\``,
        this.range(nameIndex),
      );
    }
    this.unexpected("`=` or a block", "Argument or block definition required");
  }

  attributeRest(nameIndex: number, name: string): Attribute {
    if (this.types[this.pos] === T.Newline || this.types[this.pos] === T.EOF) {
      this.fail(
        "CW1025",
        "Missing attribute value",
        "expected an expression after `=`",
        this.range(this.pos - 1),
      );
    }
    const expr = this.expression();
    const start = this.starts[nameIndex];
    return new AttributeNode(this.filename, start, endOf(expr), name, expr);
  }

  endOfLine(what: string): void {
    const t = this.types[this.pos];
    if (t === T.Newline) {
      this.pos++;
      return;
    }
    if (t === T.EOF) return;
    if (t === T.Invalid) this.unexpected("a newline");
    this.fail(
      "CW1008",
      `Missing newline after ${what}`,
      `an ${what === "attribute" ? "attribute" : "block"} definition must end with a newline`,
      this.range(this.pos),
    );
  }

  block(typeIndex: number, type: string): Block {
    const types = this.types;
    const base = this.top;
    for (;;) {
      const t = types[this.pos];
      if (t === T.OBrace) break;
      if (t === T.Ident) {
        const i = this.pos;
        this.scratch[this.top++] = new LabelNode(
          this.filename,
          this.starts[i],
          this.ends[i],
          this.ident(i),
          false,
        );
        this.pos++;
      } else if (t === T.OQuote) {
        const label = this.quotedLabel();
        this.scratch[this.top++] = label;
      } else {
        this.unexpected("a block label or `{`", "Invalid block definition");
      }
    }
    const labels = this.collect<BlockLabel>(base);
    const open = this.pos++;
    this.enter();
    let items: (Attribute | Block)[];
    if (types[this.pos] === T.Newline || types[this.pos] === T.EOF) {
      items = this.parseBodyItems(open);
      if (this.types[this.pos] !== T.CBrace) {
        // The brace may be in text an unterminated heredoc, template or
        // comment swallowed, whose error is already reported.
        if (this.halted || this.swallowed || this.types[this.pos - 1] === T.UnclosedComment) {
          throw new Abort(this.pos);
        }
        this.fail("CW1007", "Unclosed block", "no closing brace before end of file", {
          filename: this.filename,
          start: this.starts[typeIndex],
          end: this.ends[open],
        });
      }
    } else {
      items = this.singleLineBody();
    }
    this.depth--;
    const close = this.pos++;
    const filename = this.filename;
    const end = this.ends[close];
    const block = new BlockNode(
      filename,
      this.starts[typeIndex],
      end,
      type,
      labels,
      new BodyNode(filename, this.starts[open], end, items),
    );
    this.endOfLine("block");
    return block;
  }

  singleLineBody(): Attribute[] {
    const types = this.types;
    if (types[this.pos] === T.CBrace) return [];
    const nameIndex = this.pos;
    if (types[nameIndex] !== T.Ident || types[nameIndex + 1] !== T.Equal) {
      if (types[nameIndex] === T.Ident) {
        this.fail(
          "CW1013",
          "Invalid single-line block",
          "a one-line block can hold only a single attribute; put nested blocks on their own lines",
          this.range(nameIndex),
        );
      }
      this.unexpected("an attribute or `}`", "Invalid single-line block");
    }
    this.pos += 2;
    const attr = this.attributeRest(nameIndex, this.ident(nameIndex));
    if (types[this.pos] !== T.CBrace) {
      if (types[this.pos] === T.Newline || types[this.pos] === T.EOF) {
        this.fail(
          "CW1007",
          "Unclosed block",
          "a one-line block must close with `}` on the same line",
          this.range(this.pos),
        );
      }
      this.fail(
        "CW1013",
        "Invalid single-line block",
        "expected `}` right after the block's single attribute",
        this.range(this.pos),
      );
    }
    return [attr];
  }

  quotedLabel(): BlockLabel {
    const open = this.pos;
    const types = this.types;
    if (types[open + 1] === T.QuotedLit && types[open + 2] === T.CQuote) {
      // Fast path: a plain label needs no template node.
      const start = this.starts[open + 1];
      const end = this.ends[open + 1];
      let plain = true;
      for (let i = start; i < end; i++) {
        const c = this.src.charCodeAt(i);
        if (c === 92 || c === 123) {
          plain = false;
          break;
        }
      }
      if (plain) {
        this.pos = open + 3;
        return new LabelNode(this.filename, start - 1, end + 1, this.src.slice(start, end), true);
      }
    }
    const tmpl = this.simpleQuoted() ?? this.quotedTemplate();
    if (
      tmpl.parts.length > 1 || (tmpl.parts.length === 1 && tmpl.parts[0].kind !== "TemplateLiteral")
    ) {
      this.fail(
        "CW1012",
        "Invalid block label",
        "block labels cannot contain interpolations or directives",
        tmpl.range,
      );
    }
    const value = tmpl.parts.length === 0 ? "" : (tmpl.parts[0] as { value: string }).value;
    return new LabelNode(this.filename, startOf(tmpl), endOf(tmpl), value, true);
  }

  // ---- expressions --------------------------------------------------------

  expression(): Expression {
    this.enter();
    const cond = this.binary(0);
    let result = cond;
    if (this.cur() === T.Question) {
      this.pos++;
      const then = this.expression();
      if (this.cur() !== T.Colon) this.unexpected("`:` and the false result of the conditional");
      this.pos++;
      const otherwise = this.expression();
      result = new ConditionalNode(
        this.filename,
        startOf(cond),
        endOf(otherwise),
        cond,
        then,
        otherwise,
      );
    }
    this.depth--;
    return result;
  }

  binary(minPrec: number): Expression {
    let left = this.unary();
    for (;;) {
      const t = this.cur();
      const prec = BINARY_PRECEDENCE[t];
      if (prec < minPrec || prec < 0) return left;
      const opIndex = this.pos++;
      const right = this.binary(prec + 1);
      left = new BinaryNode(
        this.filename,
        startOf(left),
        endOf(right),
        BINARY_OP[t],
        left,
        right,
        this.starts[opIndex],
      );
    }
  }

  unary(): Expression {
    const t = this.cur();
    if (t === T.Minus || t === T.Bang) {
      const opIndex = this.pos++;
      this.enter();
      const operand = this.unary();
      this.depth--;
      return new UnaryNode(
        this.filename,
        this.starts[opIndex],
        endOf(operand),
        t === T.Minus ? "-" : "!",
        operand,
      );
    }
    return this.postfix(this.term());
  }

  term(): Expression {
    const t = this.cur();
    const i = this.pos;
    switch (t) {
      case T.Number: {
        this.pos++;
        const raw = this.text(i);
        return new LiteralNode(this.filename, this.starts[i], this.ends[i], Number(raw), raw);
      }
      case T.Ident: {
        const name = this.ident(i);
        this.pos++;
        const next = this.types[this.pos];
        if (next === T.OParen || next === T.DoubleColon) return this.call(i);
        const start = this.starts[i];
        const end = this.ends[i];
        if (name === "true" || name === "false") {
          return new LiteralNode(this.filename, start, end, name === "true");
        }
        if (name === "null") return new LiteralNode(this.filename, start, end, null);
        return new VariableNode(this.filename, start, end, name);
      }
      case T.OQuote:
        return this.simpleQuoted() ?? this.quotedTemplate();
      case T.OHeredoc:
        return this.heredoc();
      case T.OParen: {
        this.pos++;
        const saved = this.nl;
        this.nl = false;
        const expr = this.expression();
        const close = this.closer(T.CParen, "`)`", i);
        this.nl = saved;
        return new ParensNode(this.filename, this.starts[i], this.ends[close], expr);
      }
      case T.OBrack:
        return this.tuple();
      case T.OBrace:
        return this.object();
    }
    if (t === T.Newline || t === T.EOF) {
      this.fail("CW1009", "Missing expression", "expected an expression here", this.range(i));
    }
    this.unexpected("the start of an expression", "Invalid expression");
  }

  /** Expects a closing bracket; reports the opener when the end of the file comes first. */
  closer(type: number, what: string, openIndex: number): number {
    const t = this.cur();
    if (t === type) return this.pos++;
    if (t === T.EOF || (t === T.CBrace && type !== T.CBrace)) {
      const kind = UNCLOSED[this.types[openIndex]] ?? "bracket";
      this.fail(
        "CW1010",
        `Unclosed ${kind}`,
        `no matching ${what} before ${
          t === T.EOF ? "end of file" : "the `}` on line " + this.lineOf(this.pos)
        }`,
        this.range(openIndex),
      );
    }
    this.unexpected(what);
  }

  lineOf(i: number): number {
    this.lines ??= new SourceFile(this.filename, this.src);
    return this.lines.position(this.starts[i]).line;
  }

  postfix(expr: Expression): Expression {
    for (;;) {
      const t = this.cur();
      if (t === T.Dot) {
        const dot = this.pos++;
        const n = this.cur();
        if (n === T.Star) {
          const star = this.pos++;
          const item = new SplatItemNode(this.filename, this.starts[dot], this.ends[star]);
          const each = this.splatTraversals(item, false);
          if (this.cur() === T.Dot && this.peekNext() === T.Star) {
            this.fail(
              "CW1019",
              "Nested splat expression not allowed",
              "a splat (`.*`) cannot follow an attribute-only splat; use `[*]`",
              this.range(this.pos + 1),
            );
          }
          expr = new SplatNode(
            this.filename,
            startOf(expr),
            Math.max(endOf(each), this.ends[star]),
            expr,
            each,
            "attr",
          );
          continue;
        }
        expr = this.dotStep(expr, dot);
        continue;
      }
      if (t === T.OBrack) {
        const open = this.pos;
        if (this.peekNext() === T.Star) {
          const save = this.pos;
          this.pos++;
          this.cur();
          this.pos++;
          if (this.cur() === T.CBrack) {
            const close = this.pos++;
            const item = new SplatItemNode(this.filename, this.starts[open], this.ends[close]);
            const each = this.splatTraversals(item, true);
            expr = new SplatNode(
              this.filename,
              startOf(expr),
              Math.max(endOf(each), this.ends[close]),
              expr,
              each,
              "full",
            );
            continue;
          }
          this.pos = save;
        }
        expr = this.indexStep(expr);
        continue;
      }
      return expr;
    }
  }

  /** The traversal after a splat: attribute steps, plus index steps for `[*]`. */
  splatTraversals(item: Expression, full: boolean): Expression {
    let each: Expression = item;
    for (;;) {
      const t = this.cur();
      if (t === T.Dot) {
        const n = this.peekNext();
        if (n === T.Star) return each;
        const dot = this.pos++;
        each = this.dotStep(each, dot);
        continue;
      }
      if (full && t === T.OBrack) {
        if (this.peekNext() === T.Star) return each;
        each = this.indexStep(each);
        continue;
      }
      return each;
    }
  }

  /** After a `.`: an attribute name or a legacy numeric index. */
  dotStep(expr: Expression, dot: number): Expression {
    const n = this.cur();
    const i = this.pos;
    if (n === T.Ident) {
      this.pos++;
      return new GetAttrNode(
        this.filename,
        startOf(expr),
        this.ends[i],
        expr,
        this.ident(i),
      );
    }
    if (n === T.Number) {
      const raw = this.text(i);
      if (!/^[0-9]+$/.test(raw)) {
        this.fail(
          "CW1016",
          "Invalid legacy index syntax",
          "chained legacy indexes like `.0.1` are not allowed; write `[0][1]`",
          this.range(i),
        );
      }
      this.pos++;
      const key = new LiteralNode(this.filename, this.starts[i], this.ends[i], Number(raw), raw);
      return new IndexNode(this.filename, startOf(expr), this.ends[i], expr, key, true);
    }
    this.fail(
      "CW1015",
      "Invalid attribute name",
      `expected an attribute name after \`.\`, found ${this.describe(i)}`,
      this.range(i === dot ? dot : i),
    );
  }

  indexStep(expr: Expression): Expression {
    const open = this.pos++;
    const saved = this.nl;
    this.nl = false;
    const key = this.expression();
    const close = this.closer(T.CBrack, "`]`", open);
    this.nl = saved;
    return new IndexNode(this.filename, startOf(expr), this.ends[close], expr, key, false);
  }

  call(nameIndex: number): Expression {
    const types = this.types;
    let nameEnd = this.ends[nameIndex];
    let name = this.ident(nameIndex);
    while (types[this.pos] === T.DoubleColon) {
      this.pos++;
      if (types[this.pos] !== T.Ident) this.unexpected("a function name after `::`");
      // Spaces around `::` are allowed; the name is normalised without them.
      name += "::" + this.ident(this.pos);
      nameEnd = this.ends[this.pos++];
    }
    if (types[this.pos] !== T.OParen) this.unexpected("`(` and the function's arguments");
    const open = this.pos++;
    const saved = this.nl;
    this.nl = false;
    this.enter();
    const base = this.top;
    let expandFinal = false;
    for (;;) {
      let t = this.cur();
      if (t === T.CParen) break;
      if (t === T.EOF || t === T.CBrace) this.closer(T.CParen, "`)`", open);
      const arg = this.expression();
      this.scratch[this.top++] = arg;
      t = this.cur();
      if (t === T.Ellipsis) {
        expandFinal = true;
        this.pos++;
        if (this.cur() !== T.CParen) {
          this.unexpected("`)` right after the expanded final argument");
        }
        break;
      }
      if (t === T.Comma) {
        this.pos++;
        continue;
      }
      if (t === T.CParen) break;
      if (t === T.EOF || t === T.CBrace) this.closer(T.CParen, "`)`", open);
      this.unexpected("`,` or `)` in the argument list", "Missing argument separator");
    }
    const args = this.collect<Expression>(base);
    const close = this.pos++;
    this.depth--;
    this.nl = saved;
    return new CallNode(
      this.filename,
      this.starts[nameIndex],
      this.ends[close],
      name,
      nameEnd,
      args,
      expandFinal,
    );
  }

  isKeyword(word: string): boolean {
    const i = this.pos;
    return this.types[i] === T.Ident && this.ends[i] - this.starts[i] === word.length &&
      this.src.startsWith(word, this.starts[i]);
  }

  tuple(): Expression {
    const open = this.pos++;
    const saved = this.nl;
    this.nl = false;
    this.enter();
    this.cur();
    if (this.isKeyword("for")) {
      const e = this.forExpr(open, false);
      this.depth--;
      this.nl = saved;
      return e;
    }
    const base = this.top;
    for (;;) {
      let t = this.cur();
      if (t === T.CBrack) break;
      if (t === T.EOF || t === T.CBrace) this.closer(T.CBrack, "`]`", open);
      const item = this.expression();
      this.scratch[this.top++] = item;
      t = this.cur();
      if (t === T.Comma) {
        this.pos++;
        continue;
      }
      if (t === T.CBrack) break;
      if (t === T.EOF || t === T.CBrace) this.closer(T.CBrack, "`]`", open);
      this.unexpected("`,` or `]` in the tuple", "Missing item separator");
    }
    const items = this.collect<Expression>(base);
    const close = this.pos++;
    this.depth--;
    this.nl = saved;
    return new TupleNode(this.filename, this.starts[open], this.ends[close], items);
  }

  object(): Expression {
    const open = this.pos++;
    const saved = this.nl;
    this.enter();
    this.nl = false;
    this.cur();
    if (this.isKeyword("for")) {
      const e = this.forExpr(open, true);
      this.depth--;
      this.nl = saved;
      return e;
    }
    this.nl = true;
    const base = this.top;
    const types = this.types;
    for (;;) {
      let t = this.cur();
      while (t === T.Newline) t = types[++this.pos];
      if (t === T.CBrace) break;
      if (t === T.EOF) this.closer(T.CBrace, "`}`", open);
      const key = this.expression();
      const keyIsIdentifier = key.kind === "Variable";
      t = this.cur();
      if (t !== T.Equal && t !== T.Colon) {
        this.unexpected("`=` or `:` after the object key", "Missing key/value separator");
      }
      const separator = t === T.Equal ? "=" : ":";
      this.pos++;
      if (this.cur() === T.Newline) {
        this.fail(
          "CW1025",
          "Missing attribute value",
          "expected an expression after the key",
          this.range(this.pos - 1),
        );
      }
      const value = this.expression();
      this.scratch[this.top++] = new ObjectItemNode(
        this.filename,
        startOf(key),
        endOf(value),
        key,
        keyIsIdentifier,
        value,
        separator,
      );
      t = this.cur();
      if (t === T.Comma || t === T.Newline) {
        this.pos++;
        continue;
      }
      if (t === T.CBrace) break;
      if (t === T.EOF) this.closer(T.CBrace, "`}`", open);
      this.unexpected("a newline or `,` between object attributes", "Missing attribute separator");
    }
    const items = this.collect<ObjectItem>(base);
    const close = this.pos++;
    this.depth--;
    this.nl = saved;
    return new ObjectNode(this.filename, this.starts[open], this.ends[close], items);
  }

  /** After `[` or `{` when the next word is `for`; newlines are already insignificant. */
  forExpr(open: number, isObject: boolean): Expression {
    this.pos++; // `for`
    const first = this.expect(T.Ident, "a variable name after `for`", "Invalid for expression");
    let keyVar: string | undefined;
    let valueVar = this.text(first);
    if (this.cur() === T.Comma) {
      this.pos++;
      const second = this.expect(T.Ident, "a second variable name", "Invalid for expression");
      keyVar = valueVar;
      valueVar = this.text(second);
    }
    if (!this.isKeyword("in")) {
      this.unexpected("`in` after the for variables", "Invalid for expression");
    }
    this.pos++;
    const collection = this.expression();
    this.expect(T.Colon, "`:` after the for collection", "Invalid for expression");
    let keyExpr: Expression | undefined;
    if (isObject) {
      keyExpr = this.expression();
      this.expect(T.FatArrow, "`=>` between key and value", "Invalid for expression");
    }
    const valueExpr = this.expression();
    let group = false;
    if (isObject && this.cur() === T.Ellipsis) {
      group = true;
      this.pos++;
    }
    let condition: Expression | undefined;
    this.cur();
    if (this.isKeyword("if")) {
      this.pos++;
      condition = this.expression();
    }
    const close = this.closer(isObject ? T.CBrace : T.CBrack, isObject ? "`}`" : "`]`", open);
    return new ForNode(
      this.filename,
      this.starts[open],
      this.ends[close],
      keyVar,
      valueVar,
      collection,
      keyExpr,
      valueExpr,
      condition,
      group,
    );
  }

  // ---- templates ----------------------------------------------------------

  /**
   * Fast path for the common `"plain text"` (no escapes, no sequences): one
   * literal, built without the general template machinery.
   */
  simpleQuoted(): TemplateExpr | undefined {
    const open = this.pos;
    const types = this.types;
    let close = open + 1;
    if (types[close] === T.QuotedLit) close++;
    if (types[close] !== T.CQuote) return undefined;
    const filename = this.filename;
    const start = this.ends[open];
    const end = this.starts[close];
    const src = this.src;
    for (let i = start; i < end; i++) {
      const c = src.charCodeAt(i);
      if (c === 92 || c === 123) return undefined;
    }
    this.pos = close + 1;
    return new PlainTemplateNode(filename, this.starts[open], end + 1, src.slice(start, end));
  }

  quotedTemplate(): TemplateExpr {
    const open = this.pos++;
    const saved = this.nl;
    this.enter();
    let parts: TemplatePart[] | undefined;
    let raw: RawPart[] | undefined;
    if (this.isPlainTemplate(open)) parts = this.plainTemplateParts();
    else raw = this.templateParts(true);
    const types = this.types;
    if (types[this.pos] !== T.CQuote) {
      const at = this.pos;
      const end = at > open + 1 ? this.ends[at - 1] : this.ends[open];
      this.fail(
        "CW1003",
        "Unterminated template string",
        types[at] === T.EOF
          ? "no closing quote before end of file"
          : "no closing quote before end of line",
        this.span(this.starts[open], end),
      );
    }
    const close = this.pos++;
    this.depth--;
    this.nl = saved;
    if (parts === undefined) {
      raw = raw!;
      parts = this.plainParts(raw) ?? (applyStripMarkers(raw), nestDirectives(raw, this));
    }
    return new TemplateNode(this.filename, this.starts[open], this.ends[close], parts);
  }

  /**
   * Whether the quoted template opened at `open` holds only literals and
   * `${…}` without `~` markers and closes within a few tokens (the usual
   * `"${local.dir}/${each.key}.txt"`), judged from the tokens alone. Such a
   * template maps one part to one node, so it needs no intermediate parts.
   * Anything else, including a directive or marker anywhere inside, takes the
   * general path, which gives the same result for the plain ones.
   */
  isPlainTemplate(open: number): boolean {
    const types = this.types;
    const starts = this.starts;
    const ends = this.ends;
    const limit = Math.min(open + 64, this.count);
    let sequences = 0;
    for (let i = open + 1; i < limit; i++) {
      const t = types[i];
      if (t === T.TemplateInterp) {
        if (ends[i] - starts[i] !== 2) return false;
        sequences++;
      } else if (t === T.TemplateSeqEnd) {
        if (ends[i] - starts[i] !== 1) return false;
        sequences--;
      } else if (t === T.TemplateControl) {
        return false;
      } else if (sequences === 0 && t !== T.QuotedLit) {
        return t === T.CQuote;
      }
    }
    return false;
  }

  plainTemplateParts(): TemplatePart[] {
    const types = this.types;
    const filename = this.filename;
    const base = this.top;
    for (;;) {
      const i = this.pos;
      const t = types[i];
      if (t === T.QuotedLit) {
        const start = this.starts[i];
        const end = this.ends[i];
        const value = decodeQuoted(this.src, start, end, this);
        this.scratch[this.top++] = new TemplateLiteralNode(filename, start, end, value);
        this.pos++;
      } else if (t === T.TemplateInterp) {
        this.pos++;
        const saved = this.nl;
        this.nl = false;
        const expr = this.expression();
        const close = this.sequenceClose(i, true);
        this.nl = saved;
        const part = new InterpolationNode(filename, this.starts[i], this.ends[close], expr);
        this.scratch[this.top++] = part;
      } else {
        return this.collect(base);
      }
    }
  }

  /** Literals and interpolations without strip markers map one to one: skip the general pass. */
  plainParts(raw: RawPart[]): TemplatePart[] | undefined {
    const parts: TemplatePart[] = new Array(raw.length);
    const filename = this.filename;
    for (let k = 0; k < raw.length; k++) {
      const p = raw[k];
      if (p.kind === "lit") {
        parts[k] = new TemplateLiteralNode(filename, p.start, p.end, p.value);
      } else if (p.kind === "interp" && !p.stripBefore && !p.stripAfter) {
        parts[k] = new InterpolationNode(filename, p.start, p.end, p.expr);
      } else return undefined;
    }
    return parts;
  }

  heredoc(): TemplateExpr {
    const open = this.pos++;
    const saved = this.nl;
    this.enter();
    const openText = this.text(open);
    const indented = openText.charCodeAt(2) === 45;
    const marker = openText.slice(indented ? 3 : 2).replace(/\r?\n$/, "");
    const raw = this.templateParts(false);
    if (this.types[this.pos] !== T.CHeredoc) {
      this.fail(
        "CW1004",
        "Unterminated heredoc",
        `no closing ${marker} line before end of file`,
        this.span(this.starts[open], this.ends[open] - 1),
      );
    }
    const close = this.pos++;
    this.depth--;
    this.nl = saved;
    applyStripMarkers(raw);
    if (indented) flushHeredocIndent(raw);
    const parts = nestDirectives(raw, this);
    return new TemplateNode(this.filename, this.starts[open], this.ends[close], parts, {
      marker,
      indented,
    });
  }

  /** Flat template parts up to (not including) the closing token. */
  templateParts(quoted: boolean): RawPart[] {
    const types = this.types;
    const parts: RawPart[] = [];
    for (;;) {
      const i = this.pos;
      const t = types[i];
      if (t === T.QuotedLit || t === T.StringLit) {
        const start = this.starts[i];
        const end = this.ends[i];
        const value = quoted
          ? decodeQuoted(this.src, start, end, this)
          : decodeHeredoc(this.src, start, end);
        parts.push({ kind: "lit", value, start, end });
        this.pos++;
        continue;
      }
      if (t === T.TemplateInterp || t === T.TemplateControl) {
        parts.push(this.sequence(i, t === T.TemplateInterp));
        continue;
      }
      return parts;
    }
  }

  sequence(openIndex: number, interp: boolean): RawPart {
    this.pos++;
    const stripBefore = this.ends[openIndex] - this.starts[openIndex] === 3;
    const saved = this.nl;
    this.nl = false;
    let part: SeqPart;
    if (interp) {
      const expr = this.expression();
      part = {
        kind: "interp",
        expr,
        start: this.starts[openIndex],
        end: 0,
        stripBefore,
        stripAfter: false,
      };
    } else {
      part = this.directive(openIndex, stripBefore);
    }
    const close = this.sequenceClose(openIndex, interp);
    part.end = this.ends[close];
    part.stripAfter = this.ends[close] - this.starts[close] === 2;
    this.nl = saved;
    return part;
  }

  /** Expects the `}` that ends the sequence opened at `openIndex`. */
  sequenceClose(openIndex: number, interp: boolean): number {
    if (this.cur() !== T.TemplateSeqEnd) {
      if (this.types[this.pos] === T.EOF) {
        this.fail(
          "CW1003",
          "Unterminated template sequence",
          "no closing `}` before end of file",
          this.range(openIndex),
        );
      }
      this.unexpected(
        interp ? "`}` to end the interpolation" : "`}` to end the template directive",
      );
    }
    return this.pos++;
  }

  directive(openIndex: number, stripBefore: boolean): SeqPart {
    const i = this.cur() === T.Ident ? this.pos : -1;
    const word = i >= 0 ? this.text(i) : "";
    const start = this.starts[openIndex];
    switch (word) {
      case "if": {
        this.pos++;
        const expr = this.expression();
        return {
          kind: "if",
          expr,
          start,
          end: 0,
          stripBefore,
          stripAfter: false,
          keywordRange: this.range(i),
        };
      }
      case "else":
      case "endif":
      case "endfor":
        this.pos++;
        return {
          kind: word,
          start,
          end: 0,
          stripBefore,
          stripAfter: false,
          keywordRange: this.range(i),
        };
      case "for": {
        this.pos++;
        const first = this.expect(
          T.Ident,
          "a variable name after `for`",
          "Invalid template directive",
        );
        let keyVar: string | undefined;
        let valueVar = this.text(first);
        if (this.cur() === T.Comma) {
          this.pos++;
          keyVar = valueVar;
          valueVar = this.text(
            this.expect(T.Ident, "a second variable name", "Invalid template directive"),
          );
        }
        this.cur();
        if (!this.isKeyword("in")) {
          this.unexpected("`in` after the for variables", "Invalid template directive");
        }
        this.pos++;
        const expr = this.expression();
        return {
          kind: "for",
          expr,
          keyVar,
          valueVar,
          start,
          end: 0,
          stripBefore,
          stripAfter: false,
          keywordRange: this.range(i),
        };
      }
    }
    this.fail(
      "CW1017",
      "Invalid template directive",
      "expected `if`, `else`, `endif`, `for` or `endfor` after `%{`",
      this.range(i >= 0 ? i : this.pos),
    );
  }
}

/** Heredoc literals keep backslashes; only `$${` and `%%{` are escapes. */
function decodeHeredoc(src: string, start: number, end: number): string {
  const s = src.slice(start, end);
  if (s.indexOf("{") < 0) return s;
  return s.replace(/\$\$\{/g, "$${").replace(/%%\{/g, "%{");
}

/** Tokens that open a quoted string, heredoc or template sequence. */
const OPENS_TEMPLATE = new Uint8Array(64);
OPENS_TEMPLATE[T.OQuote] =
  OPENS_TEMPLATE[T.OHeredoc] =
  OPENS_TEMPLATE[T.TemplateInterp] =
  OPENS_TEMPLATE[T.TemplateControl] =
    1;

/**
 * Follows the scan's template modes over token `t`, given the stack of the
 * tokens that opened the templates still open (innermost last). False when
 * `t` comes after the last of them ended.
 */
function stepTemplates(stack: number[], t: number): boolean {
  if (
    stack[stack.length - 1] === T.OQuote && t !== T.QuotedLit && t !== T.CQuote &&
    t !== T.TemplateInterp && t !== T.TemplateControl
  ) {
    // The scan ended this string at a line break, without a token.
    stack.pop();
    if (stack.length === 0) return false;
  }
  if (OPENS_TEMPLATE[t] !== 0) stack.push(t);
  else if (t === T.CQuote || t === T.CHeredoc || t === T.TemplateSeqEnd) stack.pop();
  return true;
}

/** Opening token kinds, mapped to the kind that closes them (0: not an opener). */
const OPENER = new Uint8Array(64);
OPENER[T.OBrace] = T.CBrace;
OPENER[T.OBrack] = T.CBrack;
OPENER[T.OParen] = T.CParen;
OPENER[T.TemplateInterp] = T.TemplateSeqEnd;
OPENER[T.TemplateControl] = T.TemplateSeqEnd;
const CLOSER = new Uint8Array(64);
CLOSER[T.CBrace] =
  CLOSER[T.CBrack] =
  CLOSER[T.CParen] =
  CLOSER[T.TemplateSeqEnd] =
    1;

/**
 * Pairs brackets with a stack. A closer that does not match the innermost
 * opener closes the nearest matching one further out (the ones between stay
 * unmatched) or, if there is none, stays unmatched itself.
 */
function matchBrackets(types: Uint8Array, count: number): Int32Array {
  const match = new Int32Array(count).fill(-1);
  const stack = new Int32Array(count);
  let depth = 0;
  for (let i = 0; i < count; i++) {
    const t = types[i];
    if (OPENER[t] !== 0) stack[depth++] = i;
    else if (CLOSER[t] !== 0) {
      let k = depth - 1;
      while (k >= 0 && OPENER[types[stack[k]]] !== t) k--;
      if (k < 0) continue;
      match[i] = stack[k];
      match[stack[k]] = i;
      depth = k;
    }
  }
  return match;
}

/** What the template helpers need from the parser. */
export interface TemplateHost {
  readonly filename: string;
  report(code: string, summary: string, detail: string, subject: Range, notes?: string[]): void;
  fail(code: string, summary: string, detail: string, subject: Range): never;
}

export type { TemplatePart };
