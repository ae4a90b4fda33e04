/**
 * yamldecode: a YAML 1.2 reader for the subset configuration data uses —
 * block mappings and sequences, flow collections, plain / single / double
 * quoted scalars, literal and folded block scalars, comments, one document.
 * Anchors, aliases, merge keys (`<<: *base`) and the core tags (`!!str`,
 * `!!int`, …) are supported. Written here instead of loading the `yaml`
 * package because that import alone costs several times the library's import
 * budget.
 */
import type { Value } from "./value.ts";
import { newObject } from "./_eval_values.ts";
import { fail } from "./_fn_support.ts";

interface Line {
  indent: number;
  text: string;
  number: number;
}

class YamlError extends Error {}

export function yamlDecode(source: string): Value {
  try {
    return new YamlReader(source).document();
  } catch (err) {
    if (err instanceof YamlError) return fail(`on line ${err.message}`, 0, "invalid YAML");
    throw err;
  }
}

function isBlank(text: string): boolean {
  return text === "" || text.startsWith("#");
}

interface Properties {
  anchor?: string;
  tag?: string;
  rest: string;
}

/** Splits `&anchor` / `!tag` properties off the front of a node's text. */
function properties(text: string): Properties {
  const out: Properties = { rest: text };
  for (;;) {
    const m = /^([&!])(!?[^\s,\[\]{}]*)(?:\s+|$)/.exec(out.rest);
    if (!m) return out;
    if (m[1] === "&") out.anchor = m[2];
    else out.tag = "!" + m[2];
    out.rest = out.rest.slice(m[0].length);
  }
}

const MERGE_KEY = "<<";

class YamlReader {
  lines: Line[] = [];
  pos = 0;
  readonly anchors = new Map<string, Value>();

  constructor(source: string) {
    const raw = source.replace(/^\uFEFF/, "").split(/\r?\n/);
    let documents = 0;
    for (let i = 0; i < raw.length; i++) {
      const line = raw[i];
      if (/^---(\s|$)/.test(line)) {
        if (++documents > 1 || this.lines.some((l) => !isBlank(l.text))) {
          throw new YamlError(`${i + 1}: multiple documents are not supported`);
        }
        const rest = line.slice(3).trim();
        if (rest !== "") this.lines.push({ indent: 0, text: rest, number: i + 1 });
        continue;
      }
      if (/^\.\.\.(\s|$)/.test(line)) break;
      if (/^\s*%/.test(line) && this.lines.length === 0) continue;
      const indent = line.length - line.trimStart().length;
      if (line.slice(0, indent).includes("\t")) {
        throw new YamlError(`${i + 1}: tabs are not allowed in indentation`);
      }
      this.lines.push({ indent, text: line.trim(), number: i + 1 });
    }
  }

  error(message: string, line?: Line): never {
    throw new YamlError(`${line?.number ?? this.lines.at(-1)?.number ?? 1}: ${message}`);
  }

  skipBlank(): Line | undefined {
    while (this.pos < this.lines.length && isBlank(this.lines[this.pos].text)) this.pos++;
    return this.lines[this.pos];
  }

  document(): Value {
    const first = this.skipBlank();
    if (!first) return null;
    const value = this.node(first.indent);
    const rest = this.skipBlank();
    if (rest) this.error("unexpected content (check the indentation)", rest);
    return value;
  }

  /** A node whose first line is indented at least `minIndent`. */
  node(minIndent: number): Value {
    const line = this.skipBlank();
    if (!line || line.indent < minIndent) return null;
    if (line.text[0] === "&" || line.text[0] === "!") {
      const props = properties(stripComment(line.text));
      let value: Value;
      if (props.rest === "") {
        this.pos++;
        value = this.node(minIndent);
      } else {
        this.lines[this.pos] = {
          indent: line.indent + (line.text.length - line.text.trimStart().length) +
            line.text.indexOf(props.rest),
          text: props.rest,
          number: line.number,
        };
        value = this.node(minIndent);
      }
      return this.applyProperties(props, value, line);
    }
    if (line.text === "-" || line.text.startsWith("- ")) return this.sequence(line.indent);
    if (this.keyEnd(line.text) >= 0) return this.mapping(line.indent);
    this.pos++;
    return this.inlineValue(stripComment(line.text), line);
  }

  sequence(indent: number): Value[] {
    const out: Value[] = [];
    for (;;) {
      const line = this.skipBlank();
      if (!line || line.indent !== indent || !(line.text === "-" || line.text.startsWith("- "))) {
        break;
      }
      const rest = line.text.slice(1).trimStart();
      if (rest === "" || rest.startsWith("#")) {
        this.pos++;
        out.push(this.node(indent + 1));
      } else {
        // Re-read the item text as if it started on its own line, so compact
        // nested mappings (`- a: 1` / `  b: 2`) parse like any other block.
        this.lines[this.pos] = {
          indent: indent + (line.text.length - rest.length),
          text: rest,
          number: line.number,
        };
        out.push(this.node(indent + 1));
      }
    }
    return out;
  }

  /** Index of the `:` that ends a mapping key on this line, or -1. */
  keyEnd(text: string): number {
    if (text.startsWith('"') || text.startsWith("'")) {
      const close = quotedEnd(text, 0);
      if (close < 0) return -1;
      return text[close] === ":" && (close + 1 === text.length || text[close + 1] === " ")
        ? close
        : -1;
    }
    if (text.startsWith("[") || text.startsWith("{") || text.startsWith("#")) return -1;
    const m = /:(\s|$)/.exec(text);
    if (!m) return -1;
    const hash = text.indexOf(" #");
    return hash >= 0 && hash < m.index ? -1 : m.index;
  }

  mapping(indent: number): Value {
    const out = newObject();
    const merged: Value[] = [];
    for (;;) {
      const line = this.skipBlank();
      if (!line || line.indent !== indent) break;
      const end = this.keyEnd(line.text);
      if (end < 0) this.error(`expected a "key: value" line`, line);
      const rawKey = line.text.slice(0, end).trim();
      const key = rawKey.startsWith('"') || rawKey.startsWith("'")
        ? String(this.inlineValue(rawKey, line))
        : rawKey;
      const props = properties(stripComment(line.text.slice(end + 1).trim()));
      const rest = props.rest;
      this.pos++;
      let value: Value;
      if (rest === "") {
        const next = this.skipBlank();
        if (next && next.indent === indent && (next.text === "-" || next.text.startsWith("- "))) {
          value = this.sequence(indent);
        } else value = this.node(indent + 1);
      } else if (/^[|>][-+0-9]*$/.test(rest)) {
        value = this.blockScalar(rest, indent);
      } else {
        value = this.inlineValue(this.continuation(rest, indent), line);
      }
      value = this.applyProperties(props, value, line);
      if (key === MERGE_KEY && rawKey === MERGE_KEY) merged.push(value);
      else out[key] = value;
    }
    // Keys written in the mapping win over merged ones, whatever their order.
    for (const source of merged) {
      for (const m of Array.isArray(source) ? source : [source]) {
        if (m === null || typeof m !== "object" || Array.isArray(m)) {
          this.error("a merge key (<<) needs a mapping or a list of mappings");
        }
        for (const k of Object.keys(m)) if (!(k in out)) out[k] = (m as Record<string, Value>)[k];
      }
    }
    return out;
  }

  applyProperties(props: Properties, value: Value, line: Line): Value {
    if (props.tag !== undefined) value = applyTag(props.tag, value, (m) => this.error(m, line));
    if (props.anchor !== undefined) this.anchors.set(props.anchor, value);
    return value;
  }

  /** Joins the continuation lines of a multi-line plain or flow value. */
  continuation(first: string, indent: number): string {
    let text = first;
    const opensFlow = text.startsWith("[") || text.startsWith("{");
    while (this.pos < this.lines.length) {
      const next = this.lines[this.pos];
      if (next.text !== "" && next.indent <= indent) break;
      if (next.text === "" && !opensFlow) break;
      if (!opensFlow && (text.startsWith('"') || text.startsWith("'"))) break;
      if (!opensFlow && this.keyEnd(next.text) >= 0) break;
      text += " " + stripComment(next.text);
      this.pos++;
    }
    return text.trim();
  }

  blockScalar(header: string, indent: number): string {
    const folded = header[0] === ">";
    const chomp = header.includes("-") ? "strip" : header.includes("+") ? "keep" : "clip";
    const explicit = /\d/.exec(header);
    const body: string[] = [];
    let blockIndent = explicit ? indent + Number(explicit[0]) : -1;
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos];
      if (line.text === "") {
        body.push("");
        this.pos++;
        continue;
      }
      if (blockIndent < 0) blockIndent = line.indent;
      if (line.indent < blockIndent || line.indent <= indent) break;
      body.push(" ".repeat(line.indent - blockIndent) + line.text);
      this.pos++;
    }
    let trailing = 0;
    while (body.length > 0 && body[body.length - 1] === "") {
      body.pop();
      trailing++;
    }
    let text: string;
    if (folded) {
      text = "";
      for (let i = 0; i < body.length; i++) {
        const l = body[i];
        if (i === 0) text = l;
        else if (l === "" || l.startsWith(" ") || body[i - 1].startsWith(" ")) text += "\n" + l;
        else if (body[i - 1] === "") text += l;
        else text += " " + l;
      }
    } else text = body.join("\n");
    if (body.length === 0) return chomp === "keep" ? "\n".repeat(trailing) : "";
    if (chomp === "strip") return text;
    if (chomp === "keep") return text + "\n" + "\n".repeat(trailing);
    return text + "\n";
  }

  inlineValue(text: string, line: Line): Value {
    const reader = new FlowReader(text, this.anchors, (m) => this.error(m, line));
    const value = reader.value(false);
    reader.spaces();
    if (reader.pos < text.length) this.error(`unexpected text "${text.slice(reader.pos)}"`, line);
    return value;
  }
}

/** Index just after the closing quote of the string starting at `start`, or -1. */
function quotedEnd(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (q === '"' && text[i] === "\\") i++;
    else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i + 1;
    }
  }
  return -1;
}

function stripComment(text: string): string {
  if (text.startsWith("#")) return "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const end = quotedEnd(text, i);
      if (end < 0) return text;
      i = end;
    } else if (c === "#" && (text[i - 1] === " " || text[i - 1] === "\t")) {
      return text.slice(0, i).trimEnd();
    } else i++;
  }
  return text;
}

const ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\x85",
  _: "\xa0",
  L: "\u2028",
  P: "\u2029",
};

function plainScalar(text: string): Value {
  if (/^(null|Null|NULL|~|)$/.test(text)) return null;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?[0-9]+$/.test(text)) return Number(text);
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  return text;
}

function applyTag(tag: string, value: Value, error: (message: string) => never): Value {
  switch (tag) {
    case "!!str":
      return value === null
        ? ""
        : typeof value === "object"
        ? error("!!str needs a scalar")
        : String(value);
    case "!!int":
    case "!!float": {
      const n = typeof value === "number" ? value : Number(value);
      if (typeof value === "object" || Number.isNaN(n)) error(`invalid value for ${tag}`);
      return n;
    }
    case "!!bool":
      if (typeof value !== "boolean") error("invalid value for !!bool");
      return value;
    case "!!null":
      return null;
    case "!!map":
    case "!!seq":
    case "!":
      return value;
    default:
      return error(`unsupported tag "${tag}"`);
  }
}

class FlowReader {
  pos = 0;
  constructor(
    readonly text: string,
    readonly anchors: Map<string, Value>,
    readonly error: (message: string) => never,
  ) {}

  spaces(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  value(inFlow: boolean): Value {
    this.spaces();
    const c = this.text[this.pos];
    if (c === "*") {
      const m = /^\*([^\s,\[\]{}]+)/.exec(this.text.slice(this.pos))!;
      this.pos += m[0].length;
      if (!this.anchors.has(m[1])) this.error(`unknown alias "*${m[1]}"`);
      return this.anchors.get(m[1])!;
    }
    if (c === "&" || c === "!") {
      const m = /^([&!])(!?[^\s,\[\]{}]*)/.exec(this.text.slice(this.pos))!;
      this.pos += m[0].length;
      let value = this.value(inFlow);
      if (m[1] === "!") value = applyTag("!" + m[2], value, this.error);
      else this.anchors.set(m[2], value);
      return value;
    }
    if (c === "[") return this.flowSequence();
    if (c === "{") return this.flowMapping();
    if (c === '"') return this.doubleQuoted();
    if (c === "'") return this.singleQuoted();
    const start = this.pos;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (inFlow && (ch === "," || ch === "]" || ch === "}")) break;
      if (inFlow && ch === ":" && /[\s,\]}]/.test(this.text[this.pos + 1] ?? " ")) break;
      this.pos++;
    }
    return plainScalar(this.text.slice(start, this.pos).trim());
  }

  flowSequence(): Value[] {
    this.pos++;
    const out: Value[] = [];
    for (;;) {
      this.spaces();
      if (this.text[this.pos] === "]") {
        this.pos++;
        return out;
      }
      out.push(this.value(true));
      this.spaces();
      const c = this.text[this.pos++];
      if (c === "]") return out;
      if (c !== ",") this.error("expected , or ] in a flow sequence");
    }
  }

  flowMapping(): Value {
    this.pos++;
    const out = newObject();
    for (;;) {
      this.spaces();
      if (this.text[this.pos] === "}") {
        this.pos++;
        return out;
      }
      const key = this.value(true);
      this.spaces();
      let value: Value = null;
      if (this.text[this.pos] === ":") {
        this.pos++;
        value = this.value(true);
        this.spaces();
      }
      out[key === null ? "null" : String(key)] = value;
      const c = this.text[this.pos++];
      if (c === "}") return out;
      if (c !== ",") this.error("expected , or } in a flow mapping");
    }
  }

  doubleQuoted(): string {
    let out = "";
    this.pos++;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++];
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      if (e === "x" || e === "u" || e === "U") {
        const n = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = this.text.slice(this.pos, this.pos + n);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) this.error("invalid escape");
        out += String.fromCodePoint(parseInt(hex, 16));
        this.pos += n;
      } else if (e in ESCAPES) out += ESCAPES[e];
      else this.error(`invalid escape "\\${e}"`);
    }
    return this.error("unterminated double-quoted string");
  }

  singleQuoted(): string {
    const end = quotedEnd(this.text, this.pos);
    if (end < 0) this.error("unterminated single-quoted string");
    const out = this.text.slice(this.pos + 1, end - 1).replace(/''/g, "'");
    this.pos = end;
    return out;
  }
}
