/**
 * Template helpers for the parser: escape decoding, `<<-` indentation
 * stripping, `~` strip markers and nesting of `%{if}` / `%{for}` directives.
 */
import type { Expression, TemplatePart } from "./ast.ts";
import type { Range } from "./source.ts";
import { InterpolationNode, TemplateLiteralNode } from "./_nodes.ts";

interface Host {
  readonly filename: string;
  report(code: string, summary: string, detail: string, subject: Range): void;
  fail(code: string, summary: string, detail: string, subject: Range): never;
}

interface SeqBase {
  start: number;
  end: number;
  stripBefore: boolean;
  stripAfter: boolean;
}

/** A template part before strip markers and nesting are applied. */
export type RawPart =
  | {
    kind: "lit";
    value: string;
    start: number;
    end: number;
  }
  | (SeqBase & { kind: "interp"; expr: Expression })
  | (SeqBase & { kind: "if"; expr: Expression; keywordRange: Range })
  | (SeqBase & { kind: "else" | "endif" | "endfor"; keywordRange: Range })
  | (SeqBase & {
    kind: "for";
    expr: Expression;
    keyVar: string | undefined;
    valueVar: string;
    keywordRange: Range;
  });

export type SeqPart = Exclude<RawPart, { kind: "lit" }>;

const ESCAPE_ERROR = "CW1005";

/** Decodes a quoted-string literal segment: backslash escapes, `$${` and `%%{`. */
export function decodeQuoted(src: string, start: number, end: number, host: Host): string {
  let plain = true;
  for (let i = start; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c === 92 || ((c === 36 || c === 37) && src.charCodeAt(i + 1) === c)) {
      plain = false;
      break;
    }
  }
  if (plain) return src.slice(start, end);
  let out = "";
  let runStart = start;
  for (let i = start; i < end; i++) {
    const c = src.charCodeAt(i);
    if ((c === 36 || c === 37) && src.charCodeAt(i + 1) === c && src.charCodeAt(i + 2) === 123) {
      out += src.slice(runStart, i + 1) + "{";
      i += 2;
      runStart = i + 1;
      continue;
    }
    if (c !== 92) continue;
    out += src.slice(runStart, i);
    const e = src.charCodeAt(i + 1);
    let consumed = 2;
    switch (e) {
      case 110:
        out += "\n";
        break;
      case 114:
        out += "\r";
        break;
      case 116:
        out += "\t";
        break;
      case 34:
        out += '"';
        break;
      case 92:
        out += "\\";
        break;
      case 117: // \uNNNN
      case 85: { // \UNNNNNNNN
        const digits = e === 117 ? 4 : 8;
        const hex = src.slice(i + 2, i + 2 + digits);
        const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === digits ? parseInt(hex, 16) : -1;
        if (code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
          host.report(
            ESCAPE_ERROR,
            "Invalid escape sequence",
            `\\${
              String.fromCharCode(e)
            } must be followed by ${digits} hexadecimal digits of a valid code point`,
            { filename: host.filename, start: i, end: Math.min(end, i + 2 + digits) },
          );
        } else {
          out += String.fromCodePoint(code);
        }
        consumed = 2 + digits;
        break;
      }
      default:
        host.report(
          ESCAPE_ERROR,
          "Invalid escape sequence",
          `\\${src.charAt(i + 1)} is not an escape; use \\\\ for a literal backslash`,
          { filename: host.filename, start: i, end: Math.min(end, i + 2) },
        );
    }
    i += consumed - 1;
    runStart = i + 1;
  }
  return out + src.slice(runStart, end);
}

/**
 * `<<-` heredocs: removes the smallest indentation of the lines from every
 * line. As in HashiCorp's implementation, lines holding only whitespace are
 * neither measured nor changed, and a line that starts with an interpolation
 * has zero indentation.
 */
export function flushHeredocIndent(parts: RawPart[]): void {
  let min = Infinity;
  let atLineStart = true;
  const lineStarts: number[] = [];
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k];
    if (p.kind !== "lit") {
      if (atLineStart) min = 0;
      atLineStart = false;
      continue;
    }
    if (atLineStart) {
      const v = p.value;
      let n = 0;
      while (n < v.length && isIndentChar(v.charCodeAt(n))) n++;
      const blankLine = n === v.length - 1 && v.charCodeAt(n) === 10;
      if (!blankLine) {
        lineStarts.push(k);
        if (n < min) min = n;
      }
    }
    atLineStart = p.value.charCodeAt(p.value.length - 1) === 10;
  }
  if (min === 0 || min === Infinity) return;
  for (const k of lineStarts) {
    const p = parts[k] as { value: string };
    p.value = p.value.slice(min);
  }
}

function isIndentChar(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 13 || c === 0xa0 || c === 0x85;
}

/** Applies `~` markers to neighbouring literals, then nests directives. */
/**
 * Applies `~` markers to the adjacent literal token only, as HashiCorp does
 * (so in a heredoc, only the rest of the line), before `<<-` indentation.
 */
export function applyStripMarkers(raw: RawPart[]): void {
  for (let k = 0; k < raw.length; k++) {
    const p = raw[k];
    if (p.kind === "lit") continue;
    if (p.stripBefore && k > 0 && raw[k - 1].kind === "lit") {
      const lit = raw[k - 1] as { value: string };
      lit.value = lit.value.replace(/\s+$/u, "");
    }
    if (p.stripAfter && k + 1 < raw.length && raw[k + 1].kind === "lit") {
      const lit = raw[k + 1] as { value: string };
      lit.value = lit.value.replace(/^\s+/u, "");
    }
  }
}

/** Merges adjacent literals and nests `%{if}` / `%{for}` directives. */
export function nestDirectives(raw: RawPart[], host: Host): TemplatePart[] {
  const filename = host.filename;
  const span = (start: number, end: number): Range => ({ filename, start, end });

  interface Frame {
    part: RawPart & { kind: "if" | "for" };
    parts: TemplatePart[];
    thenParts?: TemplatePart[];
  }
  const root: TemplatePart[] = [];
  const stack: Frame[] = [];
  let out = root;
  for (const p of raw) {
    switch (p.kind) {
      case "lit": {
        // A literal emptied by a strip marker stays: it still makes the
        // template more than a lone interpolation.
        const last = out[out.length - 1];
        if (last !== undefined && last.kind === "TemplateLiteral") {
          const start = (last as TemplateLiteralNode).start;
          out[out.length - 1] = new TemplateLiteralNode(
            filename,
            start,
            p.end,
            last.value + p.value,
          );
        } else {
          out.push(new TemplateLiteralNode(filename, p.start, p.end, p.value));
        }
        break;
      }
      case "interp":
        out.push(new InterpolationNode(filename, p.start, p.end, p.expr));
        break;
      case "if":
      case "for":
        stack.push({ part: p, parts: [] });
        out = stack[stack.length - 1].parts;
        break;
      case "else": {
        const top = stack[stack.length - 1];
        if (top === undefined || top.part.kind !== "if" || top.thenParts !== undefined) {
          host.fail("CW1018", "Unexpected else", "`%{else}` needs an open `%{if}`", p.keywordRange);
        }
        top.thenParts = top.parts;
        top.parts = [];
        out = top.parts;
        break;
      }
      case "endif":
      case "endfor": {
        const want = p.kind === "endif" ? "if" : "for";
        const top = stack[stack.length - 1];
        if (top === undefined || top.part.kind !== want) {
          host.fail(
            "CW1018",
            `Unexpected ${p.kind}`,
            top === undefined
              ? `\`%{${p.kind}}\` needs an open \`%{${want}}\``
              : `expected \`%{end${top.part.kind}}\` to close the \`%{${top.part.kind}}\` first`,
            p.keywordRange,
          );
        }
        stack.pop();
        out = stack.length > 0 ? stack[stack.length - 1].parts : root;
        const d = top.part;
        const range = span(d.start, p.end);
        if (d.kind === "if") {
          const then = top.thenParts ?? top.parts;
          out.push(
            top.thenParts !== undefined
              ? { kind: "TemplateIf", condition: d.expr, then, else: top.parts, range }
              : { kind: "TemplateIf", condition: d.expr, then, range },
          );
        } else {
          out.push(
            d.keyVar !== undefined
              ? {
                kind: "TemplateFor",
                keyVar: d.keyVar,
                valueVar: d.valueVar,
                collection: d.expr,
                body: top.parts,
                range,
              }
              : {
                kind: "TemplateFor",
                valueVar: d.valueVar,
                collection: d.expr,
                body: top.parts,
                range,
              },
          );
        }
        break;
      }
    }
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1].part;
    host.fail(
      "CW1018",
      `Unclosed %{${open.kind}}`,
      `no \`%{end${open.kind}}\` before the end of the template`,
      open.keywordRange,
    );
  }
  return root;
}
