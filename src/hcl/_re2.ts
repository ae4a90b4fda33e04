/**
 * RE2 regular expressions, the syntax of Go's regexp package that Terraform's
 * regex, regexall and replace use, run on JavaScript's engine. A pattern is
 * parsed with RE2's grammar, rejected where RE2 rejects it (with Go's error
 * codes), and rewritten as a JavaScript RegExp that matches the same text;
 * the loops that find every match and replace them follow Go's FindAll and
 * ReplaceAll, whose rules for empty matches differ from JavaScript's.
 */

/** A pattern RE2 does not accept: `code` is Go's error text, `expr` the part of the pattern at fault. */
export class Re2SyntaxError extends Error {
  constructor(readonly code: string, readonly expr: string) {
    super(`${code} in ${expr}`);
  }
}

const ERR = {
  invalidCharRange: "invalid character class range",
  invalidEscape: "invalid escape sequence",
  invalidNamedCapture: "invalid named capture",
  invalidPerlOp: "invalid or unsupported Perl syntax",
  invalidRepeatOp: "invalid nested repetition operator",
  invalidRepeatSize: "invalid repeat count",
  missingBracket: "missing closing ]",
  missingParen: "missing closing )",
  missingRepeatArgument: "missing argument to repetition operator",
  trailingBackslash: "trailing backslash at end of expression",
  unexpectedParen: "unexpected )",
  nestingDepth: "expression nests too deeply",
  internal: "regexp/syntax: internal error",
} as const;

/** Code point ranges, inclusive, ascending. */
type Ranges = readonly (readonly [number, number])[];

const PERL_CLASSES: Record<string, Ranges> = {
  d: [[0x30, 0x39]],
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
};

const POSIX_CLASSES: Record<string, Ranges> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

/** Go's unicode.Categories: the names `\p{…}` takes as general categories. */
const CATEGORIES = new Set(
  "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs"
    .split(" "),
);

/**
 * Go's unicode.Scripts (Unicode 15.0, as in the Go that builds Terraform
 * 1.11). JavaScript also takes short aliases such as `Latn`, which RE2
 * rejects, so names are checked against this list.
 */
const SCRIPTS = new Set(
  ("Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak " +
    "Bengali Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian " +
    "Caucasian_Albanian Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot " +
    "Cypro_Minoan Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs " +
    "Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi " +
    "Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic " +
    "Inherited Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana " +
    "Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin Lepcha Limbu " +
    "Linear_A Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen " +
    "Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs " +
    "Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa " +
    "Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic Old_North_Arabian " +
    "Old_Permic Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage " +
    "Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic " +
    "Samaritan Saurashtra Sharada Shavian Siddham SignWriting Sinhala Sogdian Sora_Sompeng " +
    "Soyombo Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil " +
    "Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Toto Ugaritic Vai Vithkuqi Wancho " +
    "Warang_Citi Yezidi Yi Zanabazar_Square").split(" "),
);

/** Listed so tests can check each name against the JavaScript engine. */
export const RE2_SCRIPT_NAMES: readonly string[] = [...SCRIPTS];

const MAX_RUNE = 0x10ffff;
const REPEAT = /\{(\d+)(?:,(\d*))?\}/y;
const MAX_REPEAT = 1000;
const MAX_DEPTH = 1000;

interface Flags {
  readonly fold: boolean;
  readonly multiLine: boolean;
  readonly dotNL: boolean;
  readonly ungreedy: boolean;
}

/**
 * The parsed pattern. `fold` is whether the node was written under `(?i)`;
 * `word` marks `\b`/`\B`, which must not fall under JavaScript's case folding
 * (it would make ſ and K word characters).
 */
type Node =
  | { readonly kind: "lit"; readonly cp: number; readonly fold: boolean }
  | { readonly kind: "class"; readonly js: string; readonly fold: boolean }
  | { readonly kind: "plain"; readonly js: string; readonly assertion: boolean }
  | { readonly kind: "word"; readonly js: string }
  | { readonly kind: "group"; readonly capture: boolean; readonly alts: Node[][] }
  | {
    readonly kind: "repeat";
    readonly sub: Node;
    readonly min: number;
    readonly max: number; // -1: no upper bound
    readonly greedy: boolean;
    readonly counted: boolean;
  };

interface OpenGroup {
  readonly capture: boolean;
  readonly alts: Node[][];
  readonly outerFlags: Flags;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function cpLength(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

function jsCodePoint(cp: number): string {
  return isAlnum(cp) ? String.fromCharCode(cp) : `\\u{${cp.toString(16)}}`;
}

function rangesBody(ranges: Ranges): string {
  let out = "";
  for (const [lo, hi] of ranges) {
    out += lo === hi ? jsCodePoint(lo) : `${jsCodePoint(lo)}-${jsCodePoint(hi)}`;
  }
  return out;
}

function complement(ranges: Ranges): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

class Parser {
  private pos = 0;
  private flags: Flags;
  private readonly stack: OpenGroup[] = [];
  private alts: Node[][] = [[]];
  readonly names: string[] = [""];

  constructor(private readonly src: string, multiLine: boolean) {
    this.flags = { fold: false, multiLine, dotNL: false, ungreedy: false };
  }

  private get current(): Node[] {
    return this.alts[this.alts.length - 1];
  }

  private cpAt(i: number): number {
    return this.src.codePointAt(i) ?? -1;
  }

  parse(): Node[][] {
    const src = this.src;
    // Where the previous item's repetition operator began, or -1: RE2
    // refuses to stack operators (`a**`, `a++`).
    let lastRepeat = -1;
    while (this.pos < src.length) {
      let repeat = -1;
      const c = src[this.pos];
      switch (c) {
        case "(":
          this.openGroup();
          break;
        case "|":
          this.alts.push([]);
          this.pos++;
          break;
        case ")":
          this.closeGroup();
          break;
        case "^":
          this.current.push(
            this.flags.multiLine
              ? { kind: "plain", js: "(?<![^\\n])", assertion: true }
              : { kind: "plain", js: "^", assertion: true },
          );
          this.pos++;
          break;
        case "$":
          this.current.push(
            this.flags.multiLine
              ? { kind: "plain", js: "(?![^\\n])", assertion: true }
              : { kind: "plain", js: "$", assertion: true },
          );
          this.pos++;
          break;
        case ".":
          this.current.push({
            kind: "plain",
            js: this.flags.dotNL ? "[^]" : "[^\\n]",
            assertion: false,
          });
          this.pos++;
          break;
        case "[":
          this.current.push(this.parseClass());
          break;
        case "*":
        case "+":
        case "?": {
          const start = this.pos;
          const [min, max] = c === "*" ? [0, -1] : c === "+" ? [1, -1] : [0, 1];
          this.pos++;
          this.applyRepeat(start, min, max, false, lastRepeat);
          repeat = start;
          break;
        }
        case "{": {
          const start = this.pos;
          const counts = this.parseRepeatCounts();
          if (!counts) {
            this.literal(0x7b);
            this.pos++;
            break;
          }
          const [min, max] = counts;
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            throw new Re2SyntaxError(ERR.invalidRepeatSize, src.slice(start, this.pos));
          }
          this.applyRepeat(start, min, max, true, lastRepeat);
          repeat = start;
          break;
        }
        case "\\":
          this.parseBackslash();
          break;
        default: {
          const cp = this.cpAt(this.pos);
          this.literal(cp);
          this.pos += cpLength(cp);
        }
      }
      lastRepeat = repeat;
    }
    if (this.stack.length > 0) throw new Re2SyntaxError(ERR.missingParen, src);
    return this.alts;
  }

  private literal(cp: number): void {
    this.current.push({ kind: "lit", cp, fold: this.flags.fold });
  }

  private openGroup(): void {
    const src = this.src;
    const start = this.pos;
    if (src.startsWith("(?", start)) {
      const rest = src.length - start;
      const pNamed = rest > 4 && src[start + 2] === "P" && src[start + 3] === "<";
      if (pNamed || (rest > 3 && src[start + 2] === "<")) {
        const end = src.indexOf(">", start);
        if (end < 0) throw new Re2SyntaxError(ERR.invalidNamedCapture, src.slice(start));
        const name = src.slice(start + (pNamed ? 4 : 3), end);
        if (!/^[A-Za-z0-9_]+$/.test(name)) {
          throw new Re2SyntaxError(ERR.invalidNamedCapture, src.slice(start, end + 1));
        }
        this.pos = end + 1;
        this.push(true, name);
        return;
      }
      this.parseFlags(start);
      return;
    }
    this.pos++;
    this.push(true, "");
  }

  private push(capture: boolean, name: string): void {
    if (this.stack.length >= MAX_DEPTH) throw new Re2SyntaxError(ERR.nestingDepth, this.src);
    if (capture) this.names.push(name);
    this.stack.push({ capture, alts: this.alts, outerFlags: this.flags });
    this.alts = [[]];
  }

  /** `(?flags)` for the rest of the group, or `(?flags:re)`. */
  private parseFlags(start: number): void {
    const src = this.src;
    let p = start + 2;
    let { fold, multiLine, dotNL, ungreedy } = this.flags;
    let negated = false;
    let sawFlag = false;
    while (p < src.length) {
      const c = src[p];
      p += cpLength(this.cpAt(p));
      switch (c) {
        case "i":
          fold = !negated;
          sawFlag = true;
          continue;
        case "m":
          multiLine = !negated;
          sawFlag = true;
          continue;
        case "s":
          dotNL = !negated;
          sawFlag = true;
          continue;
        case "U":
          ungreedy = !negated;
          sawFlag = true;
          continue;
        case "-":
          if (negated) break;
          negated = true;
          sawFlag = false;
          continue;
        case ":":
        case ")": {
          if (negated && !sawFlag) break;
          const flags = { fold, multiLine, dotNL, ungreedy };
          this.pos = p;
          if (c === ":") this.push(false, "");
          this.flags = flags;
          return;
        }
      }
      break;
    }
    throw new Re2SyntaxError(ERR.invalidPerlOp, src.slice(start, p));
  }

  private closeGroup(): void {
    const open = this.stack.pop();
    if (!open) throw new Re2SyntaxError(ERR.unexpectedParen, this.src);
    const node: Node = { kind: "group", capture: open.capture, alts: this.alts };
    this.alts = open.alts;
    this.flags = open.outerFlags;
    this.current.push(node);
    this.pos++;
  }

  /**
   * `{n}`, `{n,}` or `{n,m}` at pos: the counts (max -1 for none; min -1 when
   * a number is too large), or undefined when the `{` is a literal.
   */
  private parseRepeatCounts(): [number, number] | undefined {
    REPEAT.lastIndex = this.pos;
    const m = REPEAT.exec(this.src);
    if (!m || /^0\d/.test(m[1]) || (m[2] !== undefined && /^0\d/.test(m[2]))) return undefined;
    this.pos += m[0].length;
    // Go gives up on numbers of nine digits or more.
    const count = (digits: string) => digits.length > 8 ? -1 : Number(digits);
    const min = count(m[1]);
    if (m[2] === undefined) return [min, min];
    if (m[2] === "") return [min, -1];
    const max = count(m[2]);
    return [max < 0 ? -1 : min, max];
  }

  private applyRepeat(
    start: number,
    min: number,
    max: number,
    counted: boolean,
    lastRepeat: number,
  ): void {
    let greedy = !this.flags.ungreedy;
    if (this.src[this.pos] === "?") {
      this.pos++;
      greedy = !greedy;
    }
    if (lastRepeat >= 0) {
      throw new Re2SyntaxError(ERR.invalidRepeatOp, this.src.slice(lastRepeat, this.pos));
    }
    const seq = this.current;
    const sub = seq.pop();
    if (!sub) {
      throw new Re2SyntaxError(ERR.missingRepeatArgument, this.src.slice(start, this.pos));
    }
    const node: Node = { kind: "repeat", sub, min, max, greedy, counted };
    if (counted && (min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) {
      throw new Re2SyntaxError(ERR.invalidRepeatSize, this.src.slice(start, this.pos));
    }
    seq.push(node);
  }

  private parseBackslash(): void {
    const src = this.src;
    const start = this.pos;
    const next = src[start + 1];
    switch (next) {
      case "A":
        this.current.push({ kind: "plain", js: "^", assertion: true });
        this.pos += 2;
        return;
      case "z":
        this.current.push({ kind: "plain", js: "$", assertion: true });
        this.pos += 2;
        return;
      case "b":
      case "B":
        this.current.push({ kind: "word", js: "\\" + next });
        this.pos += 2;
        return;
      case "C":
        throw new Re2SyntaxError(ERR.invalidEscape, "\\C");
      case "Q": {
        const end = src.indexOf("\\E", start + 2);
        const text = src.slice(start + 2, end < 0 ? src.length : end);
        for (const ch of text) this.literal(ch.codePointAt(0)!);
        this.pos = end < 0 ? src.length : end + 2;
        return;
      }
    }
    const unicode = this.parseUnicodeClass();
    if (unicode !== undefined) {
      this.current.push({ kind: "class", js: `[${unicode}]`, fold: this.flags.fold });
      return;
    }
    const perl = this.parsePerlClass();
    if (perl !== undefined) {
      this.current.push({ kind: "class", js: `[${perl}]`, fold: this.flags.fold });
      return;
    }
    this.literal(this.parseEscape());
  }

  /** `\pL`, `\p{Greek}`, `\P{^Lu}` at pos: a JavaScript class body, or undefined if not there. */
  private parseUnicodeClass(): string | undefined {
    const src = this.src;
    const start = this.pos;
    if (src[start] !== "\\" || (src[start + 1] !== "p" && src[start + 1] !== "P")) {
      return undefined;
    }
    let negated = src[start + 1] === "P";
    let name: string;
    let end: number;
    if (src[start + 2] === "{") {
      const close = src.indexOf("}", start);
      if (close < 0) throw new Re2SyntaxError(ERR.invalidCharRange, src.slice(start));
      name = src.slice(start + 3, close);
      end = close + 1;
    } else {
      const cp = this.cpAt(start + 2);
      end = cp < 0 ? start + 2 : start + 2 + cpLength(cp);
      name = src.slice(start + 2, end);
    }
    const seq = src.slice(start, end);
    if (name.startsWith("^")) {
      negated = !negated;
      name = name.slice(1);
    }
    let body: string;
    if (name === "Any") body = negated ? "" : "\\u{0}-\\u{10ffff}";
    else if (CATEGORIES.has(name)) body = `\\${negated ? "P" : "p"}{${name}}`;
    else if (SCRIPTS.has(name)) body = `\\${negated ? "P" : "p"}{Script=${name}}`;
    else throw new Re2SyntaxError(ERR.invalidCharRange, seq);
    this.pos = end;
    return body;
  }

  /** `\d \D \s \S \w \W` at pos: a JavaScript class body, or undefined. */
  private parsePerlClass(): string | undefined {
    const src = this.src;
    if (src[this.pos] !== "\\") return undefined;
    const letter = src[this.pos + 1];
    if (letter === undefined || !"dDsSwW".includes(letter)) return undefined;
    const ranges = PERL_CLASSES[letter.toLowerCase()];
    this.pos += 2;
    return rangesBody(letter === letter.toUpperCase() ? complement(ranges) : ranges);
  }

  /** A single-character escape at pos (a backslash): its code point. */
  private parseEscape(): number {
    const src = this.src;
    const start = this.pos;
    let p = start + 1;
    if (p >= src.length) throw new Re2SyntaxError(ERR.trailingBackslash, "");
    const c = this.cpAt(p);
    p += cpLength(c);
    const fail = () => new Re2SyntaxError(ERR.invalidEscape, src.slice(start, p));
    if (c < 0x80 && !isAlnum(c)) {
      this.pos = p;
      return c;
    }
    const isOctal = (i: number) => src[i] !== undefined && src[i] >= "0" && src[i] <= "7";
    if (c >= 0x30 && c <= 0x37) {
      // A lone non-zero digit would be a backreference, which RE2 lacks.
      if (c !== 0x30 && !isOctal(p)) throw fail();
      let value = c - 0x30;
      for (let i = 1; i < 3 && isOctal(p); i++) value = value * 8 + (src.charCodeAt(p++) - 0x30);
      this.pos = p;
      return value;
    }
    switch (String.fromCodePoint(c)) {
      case "x": {
        if (p >= src.length) throw fail();
        if (src[p] === "{") {
          p++;
          let value = 0;
          let digits = 0;
          for (;;) {
            if (p >= src.length) throw fail();
            const d = this.cpAt(p);
            p += cpLength(d);
            if (d === 0x7d) break;
            const v = hexValue(d);
            if (v < 0) throw fail();
            value = value * 16 + v;
            if (value > MAX_RUNE) throw fail();
            digits++;
          }
          if (digits === 0) throw fail();
          this.pos = p;
          return value;
        }
        const hi = hexValue(this.cpAt(p));
        p += cpLength(this.cpAt(p));
        const lo = p < src.length ? hexValue(this.cpAt(p)) : -1;
        if (p < src.length) p += cpLength(this.cpAt(p));
        if (hi < 0 || lo < 0) throw fail();
        this.pos = p;
        return hi * 16 + lo;
      }
      case "a":
        this.pos = p;
        return 0x07;
      case "f":
        this.pos = p;
        return 0x0c;
      case "n":
        this.pos = p;
        return 0x0a;
      case "r":
        this.pos = p;
        return 0x0d;
      case "t":
        this.pos = p;
        return 0x09;
      case "v":
        this.pos = p;
        return 0x0b;
    }
    throw fail();
  }

  private parseClass(): Node {
    const src = this.src;
    const start = this.pos;
    let p = start + 1;
    let negated = false;
    if (src[p] === "^") {
      negated = true;
      p++;
    }
    let body = "";
    let first = true;
    while (p >= src.length || src[p] !== "]" || first) {
      first = false;
      if (src.length - p > 2 && src[p] === "[" && src[p + 1] === ":") {
        const close = src.indexOf(":]", p + 2);
        if (close >= 0) {
          const name = src.slice(p, close + 2);
          const inner = name.slice(2, -2);
          const key = inner.startsWith("^") ? inner.slice(1) : inner;
          if (!Object.hasOwn(POSIX_CLASSES, key)) {
            throw new Re2SyntaxError(ERR.invalidCharRange, name);
          }
          const ranges = POSIX_CLASSES[key];
          body += rangesBody(inner.startsWith("^") ? complement(ranges) : ranges);
          p = close + 2;
          continue;
        }
      }
      this.pos = p;
      const group = this.parseUnicodeClass() ?? this.parsePerlClass();
      if (group !== undefined) {
        body += group;
        p = this.pos;
        continue;
      }
      const rangeStart = p;
      const lo = this.classChar(p, start);
      p = this.pos;
      let hi = lo;
      if (src.length - p >= 2 && src[p] === "-" && src[p + 1] !== "]") {
        hi = this.classChar(p + 1, start);
        p = this.pos;
        if (hi < lo) throw new Re2SyntaxError(ERR.invalidCharRange, src.slice(rangeStart, p));
      }
      body += rangesBody([[lo, hi]]);
    }
    this.pos = p + 1;
    return { kind: "class", js: `[${negated ? "^" : ""}${body}]`, fold: this.flags.fold };
  }

  private classChar(p: number, classStart: number): number {
    const src = this.src;
    if (p >= src.length) throw new Re2SyntaxError(ERR.missingBracket, src.slice(classStart));
    this.pos = p;
    if (src[p] === "\\") return this.parseEscape();
    const cp = this.cpAt(p);
    this.pos = p + cpLength(cp);
    return cp;
  }
}

/** Go's check that nested counted repetitions expand to at most 1000 copies. */
function repeatIsValid(node: Node, limit: number): boolean {
  let n = limit;
  if (node.kind === "repeat" && node.counted) {
    let m = node.max;
    if (m === 0) return true;
    if (m < 0) m = node.min;
    if (m > n) return false;
    if (m > 0) n = Math.floor(n / m);
  }
  if (node.kind === "repeat") return repeatIsValid(node.sub, n);
  if (node.kind === "group") return node.alts.every((alt) => alt.every((x) => repeatIsValid(x, n)));
  return true;
}

/** Whether a node needs case folding on (true), off (false), or works either way (undefined). */
function foldNeed(node: Node): boolean | undefined {
  switch (node.kind) {
    case "lit":
      // ASCII other than letters has no other case.
      return node.cp < 0x80 && !/[A-Za-z]/.test(String.fromCharCode(node.cp))
        ? undefined
        : node.fold;
    case "class":
      return node.fold;
    case "word":
      return false;
    case "repeat":
      return node.sub.kind === "group" ? undefined : foldNeed(node.sub);
    default:
      return undefined;
  }
}

function collectFoldNeeds(alts: Node[][], out: Set<boolean>): void {
  for (const alt of alts) {
    for (const node of alt) {
      const need = foldNeed(node);
      if (need !== undefined) out.add(need);
      let inner: Node = node;
      while (inner.kind === "repeat") inner = inner.sub;
      if (inner.kind === "group") collectFoldNeeds(inner.alts, out);
    }
  }
}

function emitNode(node: Node, fold: boolean): string {
  switch (node.kind) {
    case "lit":
    case "class": {
      const js = node.kind === "lit" ? jsCodePoint(node.cp) : node.js;
      const need = foldNeed(node);
      if (need === undefined || need === fold) return js;
      return `(?${need ? "" : "-"}i:${js})`;
    }
    case "plain":
      return node.js;
    case "word":
      return fold ? `(?-i:${node.js})` : node.js;
    case "group":
      return `(${node.capture ? "" : "?:"}${emitAlternatives(node.alts, fold)})`;
    case "repeat": {
      let sub = emitNode(node.sub, fold);
      const wrap = node.sub.kind === "repeat" ||
        (node.sub.kind === "plain" && node.sub.assertion) || node.sub.kind === "word";
      if (wrap) sub = `(?:${sub})`;
      const { min, max } = node;
      const count = min === 0 && max === -1
        ? "*"
        : min === 1 && max === -1
        ? "+"
        : min === 0 && max === 1
        ? "?"
        : max === -1
        ? `{${min},}`
        : min === max
        ? `{${min}}`
        : `{${min},${max}}`;
      return sub + count + (node.greedy ? "" : "?");
    }
  }
}

/** A sequence, with runs of items that need the other case-folding setting wrapped together. */
function emitSequence(items: Node[], fold: boolean): string {
  let out = "";
  let run = "";
  let runFold: boolean | undefined;
  const flush = () => {
    if (run !== "") out += `(?${runFold ? "" : "-"}i:${run})`;
    run = "";
    runFold = undefined;
  };
  for (const item of items) {
    const need = foldNeed(item);
    if (need === undefined) {
      if (runFold === undefined) out += emitNode(item, fold);
      else run += emitNode(item, runFold);
    } else if (need === fold) {
      flush();
      out += emitNode(item, fold);
    } else {
      if (runFold !== need) flush();
      runFold = need;
      run += emitNode(item, need);
    }
  }
  flush();
  return out;
}

function emitAlternatives(alts: Node[][], fold: boolean): string {
  return alts.map((alt) => emitSequence(alt, fold)).join("|");
}

export interface Re2Options {
  /**
   * Start as if the pattern began with `(?m)`: `^` and `$` match at line
   * starts and ends (the assertions' `pattern` arguments work line by line).
   */
  readonly multiLine?: boolean;
}

/** A compiled RE2 pattern. Use compileRe2, which caches. */
export class Re2 {
  /** The RE2 pattern as written. */
  readonly source: string;
  /** Names of the capture groups by number ("" for an unnamed one); index 0 is the whole match. */
  readonly groupNames: readonly string[];
  /** The JavaScript translation (flags `g` and `u`, `i` when all of it folds case). */
  readonly regexp: RegExp;

  constructor(source: string, options: Re2Options = {}) {
    this.source = source;
    const parser = new Parser(source, options.multiLine ?? false);
    const alts = parser.parse();
    this.groupNames = parser.names;
    const needs = new Set<boolean>();
    collectFoldNeeds(alts, needs);
    const fold = needs.has(true) && !needs.has(false);
    const js = emitAlternatives(alts, fold);
    try {
      this.regexp = new RegExp(js, fold ? "giu" : "gu");
    } catch {
      throw new Re2SyntaxError(ERR.internal, source);
    }
  }

  test(text: string): boolean {
    this.regexp.lastIndex = 0;
    return this.regexp.exec(text) !== null;
  }

  /** The leftmost match (groups that took no part are undefined), or null. */
  find(text: string): RegExpExecArray | null {
    this.regexp.lastIndex = 0;
    return this.regexp.exec(text);
  }

  private execAt(text: string, from: number): RegExpExecArray | null {
    this.regexp.lastIndex = from;
    return this.regexp.exec(text);
  }

  /** Every match as Go's FindAll sees them: an empty match right after another match is skipped. */
  findAll(text: string): RegExpExecArray[] {
    const out: RegExpExecArray[] = [];
    let pos = 0;
    let previousEnd = -1;
    while (pos <= text.length) {
      const m = this.execAt(text, pos);
      if (!m) break;
      const end = m.index + m[0].length;
      let accept = true;
      if (end === pos) {
        if (m.index === previousEnd) accept = false;
        pos += codeUnitsAt(text, pos);
      } else {
        pos = end;
      }
      previousEnd = end;
      if (accept) out.push(m);
    }
    return out;
  }

  /**
   * Go's ReplaceAllString: `template` takes `$1`, `${1}`, `$name`, `${name}`
   * and `$$`; an empty match right after a replaced match is left alone.
   */
  replaceAll(text: string, template: string): string {
    let out = "";
    let lastEnd = 0;
    let searchPos = 0;
    while (searchPos <= text.length) {
      const m = this.execAt(text, searchPos);
      if (!m) break;
      const start = m.index;
      const end = start + m[0].length;
      out += text.slice(lastEnd, start);
      if (end > lastEnd || start === 0) out += this.expand(template, m);
      lastEnd = end;
      const width = searchPos < text.length ? codeUnitsAt(text, searchPos) : 0;
      if (searchPos + width > end) searchPos += width;
      else if (searchPos + 1 > end) searchPos++;
      else searchPos = end;
    }
    return out + text.slice(lastEnd);
  }

  /** Go's Regexp.Expand. */
  expand(template: string, m: RegExpExecArray): string {
    let out = "";
    let i = 0;
    for (;;) {
      const dollar = template.indexOf("$", i);
      if (dollar < 0) break;
      out += template.slice(i, dollar);
      i = dollar + 1;
      if (template[i] === "$") {
        out += "$";
        i++;
        continue;
      }
      const ref = REFERENCE.exec(template.slice(i));
      if (!ref) {
        out += "$";
        continue;
      }
      i += ref[0].length;
      const name = ref[1] ?? ref[2];
      const number = /^\d+$/.test(name) && (name.length === 1 || name[0] !== "0") &&
          name.length < 10
        ? Number(name)
        : -1;
      if (number >= 0) {
        out += m[number] ?? "";
        continue;
      }
      for (let g = 1; g < this.groupNames.length; g++) {
        if (this.groupNames[g] === name && m[g] !== undefined) {
          out += m[g];
          break;
        }
      }
    }
    return out + template.slice(i);
  }
}

/** `$name` or `${name}` after the `$`: names are Unicode letters, digits and `_`. */
const REFERENCE = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u;

function codeUnitsAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

const CACHE_LIMIT = 512;
const cache = new Map<string, Re2 | Re2SyntaxError>();

/** The pattern compiled (cached per pattern and options); throws Re2SyntaxError when RE2 rejects it. */
export function compileRe2(pattern: string, options: Re2Options = {}): Re2 {
  const key = (options.multiLine ? "m" : "-") + pattern;
  let entry = cache.get(key);
  if (entry === undefined) {
    try {
      entry = new Re2(pattern, options);
    } catch (err) {
      if (!(err instanceof Re2SyntaxError)) throw err;
      entry = err;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, entry);
  }
  if (entry instanceof Re2SyntaxError) throw entry;
  return entry;
}
