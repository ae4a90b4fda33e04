/**
 * The standard function library of the `.cw` language (LANGUAGE.md,
 * "Functions"), with Terraform's semantics. Every function is pure: nothing
 * reads the clock or randomness. `try` and `can` are evaluated by the
 * evaluator itself (they need their arguments unevaluated); the entries here
 * only make them known names.
 */
import type { HclFunction } from "./eval.ts";
import { Sensitive, UNKNOWN, type Value, type ValueObject } from "./value.ts";
import {
  compareStrings,
  convertToBool,
  convertToNumber,
  convertToString,
  describeType,
  hasOwn,
  newObject,
  sortedKeys,
  valuesEqual,
} from "./_eval_values.ts";
import {
  define,
  fail,
  failWithoutValues,
  int,
  list,
  num,
  obj,
  objectFrom,
  str,
  unifyElements,
} from "./_fn_support.ts";
import { formatList, formatString } from "./_fn_format.ts";
import {
  base64Decode,
  base64Encode,
  decodeUtf8,
  hexToBytes,
  jsonDecode,
  jsonEncode,
  JsonNumberRangeError,
  md5Hex,
  sha1Hex,
  sha256Hex,
  utf8,
  yamlEncode,
} from "./_fn_encoding.ts";
import { yamlDecode } from "./_fn_yaml.ts";
import { compileRe2, type Re2, Re2SyntaxError } from "./_re2.ts";
import {
  baseName,
  dirName,
  fileBytes,
  fileExists,
  fileSha256,
  readText,
  resolvePath,
  templateFile,
} from "./_fn_files.ts";

let segmenter: Intl.Segmenter | undefined;

/** User-perceived characters (grapheme clusters), as Terraform counts string length. */
function graphemes(s: string): string[] {
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(s) && !s.includes("\r\n")) return s.split("");
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  return Array.from(segmenter.segment(s), (x) => x.segment);
}

/**
 * Go's strings.Title separators: ASCII other than letters, digits and `_`,
 * and the Unicode spaces Go knows (U+0085 is one, U+FEFF is not).
 */
function isSeparator(c: string): boolean {
  if (c.charCodeAt(0) <= 0x7f) return !/[0-9A-Za-z_]/.test(c);
  return /^[\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/.test(c);
}

/**
 * Case mapping one character to one, as Go's unicode.ToUpper/ToLower (and so
 * Terraform) do: JavaScript's full mapping turns "ß" into "SS" and "İ" into
 * "i̇", where Terraform keeps "ß" and gives "i"; and it writes a final sigma
 * as "ς", where Go always gives "σ".
 */
function upperLikeGo(s: string): string {
  const mapped = s.toUpperCase();
  // Only an expansion changes the length: then map character by character.
  if (mapped.length === s.length) return mapped;
  let out = "";
  for (const c of s) out += upperChar(c);
  return out;
}

function upperChar(c: string): string {
  const u = c.toUpperCase();
  if (u.length === c.length) return u;
  // Greek with ypogegrammeni: JavaScript expands it, Go has a one-character form.
  const cp = c.codePointAt(0)!;
  if (cp >= 0x1f80 && cp <= 0x1faf && (cp & 0xf) < 8) return String.fromCodePoint(cp + 8);
  if (cp === 0x1fb3 || cp === 0x1fc3 || cp === 0x1ff3) return String.fromCodePoint(cp + 9);
  return c;
}

/** Go's unicode.ToTitle: the digraphs ǅ ǈ ǋ ǲ have a title case apart from upper case. */
function titleChar(c: string): string {
  const cp = c.codePointAt(0)!;
  if (cp >= 0x1c4 && cp <= 0x1cc) return String.fromCodePoint(cp - ((cp - 0x1c4) % 3) + 1);
  if (cp >= 0x1f1 && cp <= 0x1f3) return "\u01f2";
  return upperChar(c);
}

function lowerLikeGo(s: string): string {
  const mapped = s.toLowerCase();
  if (mapped.length === s.length && !s.includes("\u03a3")) return mapped;
  let out = "";
  for (const c of s) {
    const l = c.toLowerCase();
    out += l.length === c.length ? l : String.fromCodePoint(l.codePointAt(0)!);
  }
  return out;
}

/** Go's strings.Title: title-cases the first letter of every word. */
function title(s: string): string {
  let out = "";
  let prev = " ";
  for (const c of s) {
    out += isSeparator(prev) ? titleChar(c) : c;
    prev = c;
  }
  return out;
}

/**
 * A user's RE2 pattern (Terraform's regular expressions are Go's), compiled
 * once and cached; a pattern RE2 rejects fails the call as Terraform does.
 */
function userPattern(pattern: string, argIndex: number, param: string): Re2 {
  try {
    return compileRe2(pattern);
  } catch (err) {
    if (!(err instanceof Re2SyntaxError)) throw err;
    return fail(
      `Invalid value for "${param}" parameter: invalid regexp pattern: ${err.code} in ${err.expr}.`,
      argIndex,
      `Invalid value for "${param}" parameter: invalid regexp pattern: ${err.code}.`,
    );
  }
}

/** How regex and regexall give a match: the text, a tuple of groups, or an object of named groups. */
type CaptureShape = "text" | "tuple" | "object";

function captureShape(re: Re2): CaptureShape {
  const names = re.groupNames.slice(1);
  if (names.length === 0) return "text";
  const named = names.filter((n) => n !== "").length;
  if (named === 0) return "tuple";
  if (named === names.length) return "object";
  return failWithoutValues(
    'Invalid value for "pattern" parameter: invalid regexp pattern: cannot mix both named and unnamed capture groups.',
    0,
  );
}

function captureResult(re: Re2, shape: CaptureShape, m: RegExpExecArray): Value {
  if (shape === "text") return m[0];
  if (shape === "tuple") return m.slice(1).map((x) => x ?? null);
  // A name used twice takes the later group's value, as in Terraform.
  const out = newObject();
  for (let i = 1; i < re.groupNames.length; i++) out[re.groupNames[i]] = m[i] ?? null;
  return out;
}

function flattenInto(items: Value[], out: Value[]): void {
  for (const item of items) {
    if (Array.isArray(item)) flattenInto(item, out);
    else out.push(item);
  }
}

function distinctValues(items: Value[]): Value[] {
  const out: Value[] = [];
  const seenPrimitive = new Set<unknown>();
  for (const item of items) {
    if (item === null || typeof item !== "object") {
      if (seenPrimitive.has(item)) continue;
      seenPrimitive.add(item);
      out.push(item);
    } else if (!out.some((x) => valuesEqual(x, item) === true)) out.push(item);
  }
  return out;
}

function unified(items: Value[], argIndex: number): Value[] {
  const u = unifyElements(items);
  if (typeof u === "string") failWithoutValues(u, argIndex);
  return u;
}

function toSet(items: Value[], argIndex: number): Value[] {
  const out = distinctValues(unified(items, argIndex));
  if (out.every((x) => typeof x === "string")) return (out as string[]).sort(compareStrings);
  if (out.every((x) => typeof x === "number")) return (out as number[]).sort((a, b) => a - b);
  return out;
}

function trimCutset(s: string, cutset: string, start: boolean, end: boolean): string {
  const cut = new Set(cutset);
  const chars = [...s];
  let i = 0;
  let j = chars.length;
  if (start) { while (i < j && cut.has(chars[i])) i++; }
  if (end) { while (j > i && cut.has(chars[j - 1])) j--; }
  return chars.slice(i, j).join("");
}

function collectionLength(v: Value): number {
  if (typeof v === "string") return graphemes(v).length;
  if (Array.isArray(v)) return v.length;
  if (v !== null && typeof v === "object" && v !== UNKNOWN) return Object.keys(v).length;
  return failWithoutValues(
    `Invalid value for "value" parameter: collection or string required, got ${describeType(v)}.`,
    0,
  );
}

function rangeValues(args: Value[]): number[] {
  let start = 0;
  let limit: number;
  let step = 1;
  if (args.length === 0 || args.length > 3) {
    failWithoutValues(
      `range expects between 1 and 3 arguments, got ${args.length}`,
      args.length > 3 ? 3 : undefined,
    );
  }
  if (args.length === 1) {
    limit = num(args, 0, "limit");
    if (limit < 0) step = -1;
  } else {
    start = num(args, 0, "start");
    limit = num(args, 1, "limit");
    if (args.length === 3) step = num(args, 2, "step");
    else if (limit < start) step = -1;
  }
  if (step === 0) failWithoutValues("step must not be zero", 2);
  if (start < limit && step < 0) {
    failWithoutValues("step must be positive when start is less than limit", 2);
  }
  if (start > limit && step > 0) {
    failWithoutValues("step must be negative when start is greater than limit", 2);
  }
  const out: number[] = [];
  for (let v = start; step > 0 ? v < limit : v > limit; v += step) {
    if (out.length === 1024) {
      failWithoutValues("more than 1024 values were generated; range is limited to 1024 elements");
    }
    out.push(v);
  }
  return out;
}

function mapArg(args: Value[], i: number, param: string): ValueObject {
  return obj(args, i, param);
}

const fns: Record<string, HclFunction> = {
  // Strings
  length: define(
    "length",
    { params: ["value"], unknownElements: true },
    (a) => collectionLength(a[0]),
  ),
  join: define("join", { params: ["separator", "lists"], variadic: "lists" }, (a) => {
    const sep = str(a, 0, "separator");
    const parts: string[] = [];
    for (let i = 1; i < a.length; i++) {
      const items = list(a, i, "lists");
      for (let j = 0; j < items.length; j++) {
        const s = items[j] === null ? undefined : convertToString(items[j]);
        if (s === undefined) {
          failWithoutValues(
            items[j] === null
              ? `element ${j} is null; cannot concatenate null values`
              : `element ${j} is ${describeType(items[j])}; string required`,
            i,
          );
        }
        parts.push(s);
      }
    }
    return parts.join(sep);
  }),
  split: define("split", { params: ["separator", "str"] }, (a) => {
    const sep = str(a, 0, "separator");
    const s = str(a, 1, "str");
    return sep === "" ? [...s] : s.split(sep);
  }),
  lower: define("lower", { params: ["str"] }, (a) => lowerLikeGo(str(a, 0, "str"))),
  upper: define("upper", { params: ["str"] }, (a) => upperLikeGo(str(a, 0, "str"))),
  title: define("title", { params: ["str"] }, (a) => title(str(a, 0, "str"))),
  format: define("format", { params: ["format"], variadic: "args" }, (a) => {
    a[0] = str(a, 0, "format");
    return formatString(a[0], a);
  }),
  replace: define("replace", { params: ["str", "substr", "replace"] }, (a) => {
    const s = str(a, 0, "str");
    const sub = str(a, 1, "substr");
    const rep = str(a, 2, "replace");
    if (sub.length > 1 && sub.startsWith("/") && sub.endsWith("/")) {
      return userPattern(sub.slice(1, -1), 1, "substr").replaceAll(s, rep);
    }
    // Go's strings.Replace: an empty substr matches before every character and at the end.
    if (sub === "") return s === "" ? rep : rep + [...s].join(rep) + rep;
    return s.split(sub).join(rep);
  }),
  trimspace: define("trimspace", { params: ["str"] }, (a) => str(a, 0, "str").trim()),
  trim: define(
    "trim",
    { params: ["str", "cutset"] },
    (a) => trimCutset(str(a, 0, "str"), str(a, 1, "cutset"), true, true),
  ),
  trimprefix: define("trimprefix", { params: ["str", "prefix"] }, (a) => {
    const s = str(a, 0, "str");
    const p = str(a, 1, "prefix");
    return s.startsWith(p) ? s.slice(p.length) : s;
  }),
  trimsuffix: define("trimsuffix", { params: ["str", "suffix"] }, (a) => {
    const s = str(a, 0, "str");
    const p = str(a, 1, "suffix");
    return p !== "" && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  }),
  substr: define("substr", { params: ["str", "offset", "length"] }, (a) => {
    const chars = graphemes(str(a, 0, "str"));
    let offset = int(a, 1, "offset");
    const length = int(a, 2, "length");
    if (offset < 0) offset = Math.max(0, chars.length + offset);
    if (offset >= chars.length) return "";
    if (length < -1) failWithoutValues("length must be -1 or a non-negative number", 2);
    const end = length === -1 ? chars.length : Math.min(chars.length, offset + length);
    return chars.slice(offset, end).join("");
  }),
  startswith: define(
    "startswith",
    { params: ["str", "prefix"] },
    (a) => str(a, 0, "str").startsWith(str(a, 1, "prefix")),
  ),
  endswith: define(
    "endswith",
    { params: ["str", "suffix"] },
    (a) => str(a, 0, "str").endsWith(str(a, 1, "suffix")),
  ),
  regex: define("regex", { params: ["pattern", "string"] }, (a) => {
    const re = userPattern(str(a, 0, "pattern"), 0, "pattern");
    const shape = captureShape(re);
    const m = re.find(str(a, 1, "string"));
    if (!m) failWithoutValues("pattern did not match any part of the given string", 1);
    return captureResult(re, shape, m);
  }),
  regexall: define("regexall", { params: ["pattern", "string"] }, (a) => {
    const re = userPattern(str(a, 0, "pattern"), 0, "pattern");
    const shape = captureShape(re);
    return re.findAll(str(a, 1, "string")).map((m) => captureResult(re, shape, m));
  }),

  // Collections
  concat: define("concat", { params: [], variadic: "seqs", unknownElements: true }, (a) => {
    const out: Value[] = [];
    for (let i = 0; i < a.length; i++) out.push(...list(a, i, "seqs"));
    return out;
  }),
  merge: define("merge", { params: [], variadic: "maps", unknownElements: true }, (a) => {
    const out = newObject();
    for (let i = 0; i < a.length; i++) {
      if (a[i] === null) continue;
      const m = mapArg(a, i, "maps");
      for (const k of Object.keys(m)) out[k] = m[k];
    }
    return out;
  }),
  keys: define(
    "keys",
    { params: ["inputMap"], unknownElements: true },
    (a) => sortedKeys(mapArg(a, 0, "inputMap")),
  ),
  values: define("values", { params: ["mapping"], unknownElements: true }, (a) => {
    const m = mapArg(a, 0, "mapping");
    return sortedKeys(m).map((k) => m[k]);
  }),
  lookup: define(
    "lookup",
    { params: ["inputMap", "key"], variadic: "default", unknownElements: true },
    (a) => {
      if (a.length > 3) failWithoutValues(`lookup expects at most 3 arguments, got ${a.length}`, 3);
      const m = mapArg(a, 0, "inputMap");
      const k = str(a, 1, "key");
      if (hasOwn(m, k)) return m[k];
      if (a.length === 3) return a[2];
      return fail(
        `the given key "${k}" is not present in the map`,
        1,
        "the given key is not present in the map",
      );
    },
  ),
  contains: define("contains", { params: ["list", "value"] }, (a) => {
    const items = list(a, 0, "list");
    return items.some((x) => valuesEqual(x, a[1]) === true);
  }),
  element: define("element", { params: ["list", "index"], unknownElements: true }, (a) => {
    const items = list(a, 0, "list");
    const i = int(a, 1, "index");
    if (items.length === 0) failWithoutValues("cannot use element function with an empty list", 0);
    if (i < 0) failWithoutValues("cannot use element function with a negative index", 1);
    return items[i % items.length];
  }),
  index: define("index", { params: ["list", "value"] }, (a) => {
    const items = list(a, 0, "list");
    const i = items.findIndex((x) => valuesEqual(x, a[1]) === true);
    if (i < 0) failWithoutValues("item not found", 1);
    return i;
  }),
  range: (args) => rangeValues(args),
  flatten: define("flatten", { params: ["list"] }, (a) => {
    const out: Value[] = [];
    flattenInto(list(a, 0, "list"), out);
    return out;
  }),
  distinct: define("distinct", { params: ["list"] }, (a) => distinctValues(list(a, 0, "list"))),
  sort: define("sort", { params: ["list"] }, (a) => {
    const items = list(a, 0, "list");
    return items.map((x, i) => {
      const s = x === null ? undefined : convertToString(x);
      if (s === undefined) {
        failWithoutValues(`element ${i} is ${describeType(x)}; sort requires strings`, 0);
      }
      return s;
    }).sort(compareStrings);
  }),
  toset: define(
    "toset",
    { params: ["v"] },
    (a) => a[0] === null ? null : toSet(list(a, 0, "v"), 0),
  ),
  reverse: define(
    "reverse",
    { params: ["list"], unknownElements: true },
    (a) => [...list(a, 0, "list")].reverse(),
  ),
  slice: define(
    "slice",
    { params: ["list", "start_index", "end_index"], unknownElements: true },
    (a) => {
      const items = list(a, 0, "list");
      const start = int(a, 1, "start_index");
      const end = int(a, 2, "end_index");
      if (start < 0) failWithoutValues("start_index must be greater than or equal to 0", 1);
      if (end > items.length) {
        failWithoutValues("end_index must be less than or equal to the length of the list", 2);
      }
      if (start > end) failWithoutValues("start_index must be less than or equal to end_index", 1);
      return items.slice(start, end);
    },
  ),
  zipmap: define("zipmap", { params: ["keys", "values"], unknownElements: true }, (a) => {
    const ks = list(a, 0, "keys");
    const vs = list(a, 1, "values");
    if (ks.length !== vs.length) {
      fail(
        `number of keys (${ks.length}) does not match number of values (${vs.length})`,
        1,
        "the number of keys does not match the number of values",
      );
    }
    if (ks.includes(UNKNOWN)) return UNKNOWN;
    const out = newObject();
    ks.forEach((k, i) => {
      const s = k === null ? undefined : convertToString(k);
      if (s === undefined) {
        failWithoutValues(`key ${i} is ${describeType(k)}; keys must be strings`, 0);
      }
      out[s] = vs[i];
    });
    return out;
  }),
  coalesce: define("coalesce", { params: [], variadic: "vals" }, (a) => {
    // Arguments share one type, as in Terraform: coalesce(1, "a") is "1".
    const vals = unified(a, 0);
    for (const v of vals) if (v !== null && v !== "") return v;
    return failWithoutValues("no non-null, non-empty-string arguments");
  }),
  try: () => failWithoutValues("try is evaluated by the expression evaluator"),
  can: () => failWithoutValues("can is evaluated by the expression evaluator"),

  // Numbers
  min: define("min", { params: ["numbers"], variadic: "numbers" }, (a) => {
    let m = Infinity;
    for (let i = 0; i < a.length; i++) m = Math.min(m, num(a, i, "numbers"));
    return m;
  }),
  max: define("max", { params: ["numbers"], variadic: "numbers" }, (a) => {
    let m = -Infinity;
    for (let i = 0; i < a.length; i++) m = Math.max(m, num(a, i, "numbers"));
    return m;
  }),
  abs: define("abs", { params: ["num"] }, (a) => Math.abs(num(a, 0, "num"))),
  ceil: define("ceil", { params: ["num"] }, (a) => Math.ceil(num(a, 0, "num"))),
  floor: define("floor", { params: ["num"] }, (a) => Math.floor(num(a, 0, "num"))),

  // Type conversion
  tostring: define("tostring", { params: ["v"] }, (a) => {
    if (a[0] === null) return null;
    const s = convertToString(a[0]);
    if (s === undefined) failWithoutValues(`cannot convert ${describeType(a[0])} to string`, 0);
    return s;
  }),
  tonumber: define("tonumber", { params: ["v"] }, (a) => {
    if (a[0] === null) return null;
    const n = convertToNumber(a[0]);
    if (n === undefined) {
      if (typeof a[0] === "string") {
        fail(
          `cannot convert ${JSON.stringify(a[0])} to number: a number is required`,
          0,
          "cannot convert this sensitive string to number: a number is required",
        );
      }
      failWithoutValues(`cannot convert ${describeType(a[0])} to number`, 0);
    }
    return n;
  }),
  tobool: define("tobool", { params: ["v"] }, (a) => {
    if (a[0] === null) return null;
    const b = convertToBool(a[0]);
    if (b === undefined) {
      if (typeof a[0] === "string") {
        fail(
          `cannot convert ${
            JSON.stringify(a[0])
          } to bool; only the strings "true" or "false" are allowed`,
          0,
          'cannot convert this sensitive string to bool; only the strings "true" or "false" are allowed',
        );
      }
      failWithoutValues(`cannot convert ${describeType(a[0])} to bool`, 0);
    }
    return b;
  }),
  tolist: define("tolist", { params: ["v"], unknownElements: true }, (a) => {
    if (a[0] === null) return null;
    return unified(list(a, 0, "v"), 0);
  }),
  tomap: define("tomap", { params: ["v"], unknownElements: true }, (a) => {
    if (a[0] === null) return null;
    const m = mapArg(a, 0, "v");
    const ks = Object.keys(m);
    const vs = unified(ks.map((k) => m[k]), 0);
    return objectFrom(ks.map((k, i) => [k, vs[i]]));
  }),

  // Encoding
  jsonencode: define("jsonencode", { params: ["val"] }, (a) => jsonEncode(a[0])),
  jsondecode: define("jsondecode", { params: ["str"] }, (a) => {
    try {
      return jsonDecode(str(a, 0, "str"));
    } catch (err) {
      if (err instanceof JsonNumberRangeError) return failWithoutValues(err.message, 0);
      return fail(`invalid JSON: ${(err as Error).message}`, 0, "invalid JSON");
    }
  }),
  yamlencode: define("yamlencode", { params: ["value"] }, (a) => yamlEncode(a[0])),
  yamldecode: define("yamldecode", { params: ["src"] }, (a) => yamlDecode(str(a, 0, "src"))),
  base64encode: define(
    "base64encode",
    { params: ["str"] },
    (a) => base64Encode(utf8(str(a, 0, "str"))),
  ),
  base64decode: define("base64decode", { params: ["str"] }, (a) => {
    const bytes = base64Decode(str(a, 0, "str"));
    if (!bytes) failWithoutValues("the given value is not valid base64", 0);
    const s = decodeUtf8(bytes);
    if (s === undefined) {
      failWithoutValues("the result of decoding the given base64 string is not valid UTF-8", 0);
    }
    return s;
  }),
  sha256: define("sha256", { params: ["str"] }, (a) => sha256Hex(utf8(str(a, 0, "str")))),
  md5: define("md5", { params: ["str"] }, (a) => md5Hex(utf8(str(a, 0, "str")))),

  // Files and paths
  file: define("file", { params: ["path"] }, (a, call) => readText(str(a, 0, "path"), call, 0)),
  filesha256: define(
    "filesha256",
    { params: ["path"] },
    (a, call) => fileSha256(str(a, 0, "path"), call),
  ),
  fileexists: define(
    "fileexists",
    { params: ["path"] },
    (a, call) => fileExists(str(a, 0, "path"), call),
  ),
  templatefile: define(
    "templatefile",
    { params: ["path", "vars"] },
    (a, call) => templateFile(str(a, 0, "path"), mapArg(a, 1, "vars"), call, standardFunctions),
  ),
  abspath: define(
    "abspath",
    { params: ["path"] },
    (a, call) => resolvePath(call.baseDir, str(a, 0, "path")),
  ),
  basename: define("basename", { params: ["path"] }, (a) => baseName(str(a, 0, "path"))),
  dirname: define("dirname", { params: ["path"] }, (a) => dirName(str(a, 0, "path"))),

  // Further Terraform functions users reach for.
  compact: define(
    "compact",
    { params: ["list"] },
    (a) => list(a, 0, "list").filter((v) => v !== null && v !== ""),
  ),
  coalescelist: define("coalescelist", { params: [], variadic: "vals" }, (a) => {
    for (let i = 0; i < a.length; i++) if (list(a, i, "vals").length > 0) return a[i];
    return failWithoutValues("no non-empty list arguments");
  }),
  chunklist: define("chunklist", { params: ["list", "size"] }, (a) => {
    const items = list(a, 0, "list");
    const size = int(a, 1, "size");
    if (size < 0) failWithoutValues("the size argument must be positive", 1);
    if (size === 0) return [items];
    const out: Value[] = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    return out;
  }),
  one: define("one", { params: ["list"], unknownElements: true }, (a) => {
    const items = list(a, 0, "list");
    if (items.length > 1) {
      fail(
        `must be a list with no more than one element, got ${items.length}`,
        0,
        "must be a list with no more than one element",
      );
    }
    return items.length === 0 ? null : items[0];
  }),
  // The whole list converts to bools first; then a null counts as false.
  alltrue: define(
    "alltrue",
    { params: ["list"] },
    (a) => boolElements(list(a, 0, "list")).every((b) => b === true),
  ),
  anytrue: define(
    "anytrue",
    { params: ["list"] },
    (a) => boolElements(list(a, 0, "list")).some((b) => b === true),
  ),
  sum: define("sum", { params: ["list"] }, (a) => {
    const items = list(a, 0, "list");
    if (items.length === 0) failWithoutValues("cannot sum an empty list", 0);
    let total = 0;
    items.forEach((v, i) => {
      const n = v === null ? undefined : convertToNumber(v);
      if (n === undefined) {
        failWithoutValues(`element ${i} is ${describeType(v)}; number required`, 0);
      }
      total += n;
    });
    return total;
  }),
  setunion: define("setunion", { params: ["first_set"], variadic: "other_sets" }, (a) => {
    const all: Value[] = [];
    for (let i = 0; i < a.length; i++) all.push(...list(a, i, "sets"));
    return toSet(all, 0);
  }),
  setintersection: define(
    "setintersection",
    { params: ["first_set"], variadic: "other_sets" },
    (a) => {
      const sets = a.map((_, i) => list(a, i, "sets"));
      return toSet(
        sets[0].filter((v) => sets.every((s) => s.some((x) => valuesEqual(x, v) === true))),
        0,
      );
    },
  ),
  setsubtract: define("setsubtract", { params: ["a", "b"] }, (a) => {
    const other = list(a, 1, "b");
    return toSet(list(a, 0, "a").filter((v) => !other.some((x) => valuesEqual(x, v) === true)), 0);
  }),
  formatlist: define("formatlist", { params: ["format"], variadic: "args" }, (a) => {
    a[0] = str(a, 0, "format");
    return formatList(a);
  }),
  strrev: define(
    "strrev",
    { params: ["str"] },
    (a) => graphemes(str(a, 0, "str")).reverse().join(""),
  ),
  strcontains: define(
    "strcontains",
    { params: ["str", "substr"] },
    (a) => str(a, 0, "str").includes(str(a, 1, "substr")),
  ),
  pow: define("pow", { params: ["num", "power"] }, (a) => num(a, 0, "num") ** num(a, 1, "power")),
  signum: define("signum", { params: ["num"] }, (a) => Math.sign(num(a, 0, "num"))),
  parseint: define("parseint", { params: ["number", "base"] }, (a) => {
    const text = str(a, 0, "number");
    const base = int(a, 1, "base");
    if (base < 2 || base > 62) {
      failWithoutValues("base must be a whole number between 2 and 62 inclusive", 1);
    }
    const digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const body = text.replace(/^[+-]/, "");
    let value = 0;
    for (const c of body) {
      const d = base <= 36 ? digits.indexOf(c.toLowerCase()) : digits.indexOf(c);
      if (d < 0 || d >= base) {
        fail(
          `cannot parse ${JSON.stringify(text)} as a base ${base} integer`,
          0,
          "cannot parse the given text as an integer in the given base",
        );
      }
      value = value * base + d;
    }
    if (body === "") {
      fail(
        `cannot parse ${JSON.stringify(text)} as a base ${base} integer`,
        0,
        "cannot parse the given text as an integer in the given base",
      );
    }
    return text.startsWith("-") ? -value : value;
  }),
  urlencode: define(
    "urlencode",
    { params: ["str"] },
    (a) =>
      encodeURIComponent(str(a, 0, "str")).replace(
        /[!'()*]/g,
        (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
      ).replace(/%20/g, "+"),
  ),
  sha1: define("sha1", { params: ["str"] }, (a) => sha1Hex(utf8(str(a, 0, "str")))),
  base64sha256: define(
    "base64sha256",
    { params: ["str"] },
    (a) => base64Encode(hexToBytes(sha256Hex(utf8(str(a, 0, "str"))))),
  ),
  filebase64: define(
    "filebase64",
    { params: ["path"] },
    (a, call) => base64Encode(fileBytes(str(a, 0, "path"), call)),
  ),
  chomp: define("chomp", { params: ["str"] }, (a) => str(a, 0, "str").replace(/[\r\n]+$/, "")),
  indent: define("indent", { params: ["spaces", "str"] }, (a) => {
    const n = int(a, 0, "spaces");
    if (n < 0) failWithoutValues("spaces must not be negative", 0);
    return str(a, 1, "str").replace(/\n/g, "\n" + " ".repeat(n));
  }),
  log: define("log", { params: ["num", "base"] }, (a) => {
    const x = num(a, 0, "num");
    const base = num(a, 1, "base");
    return Math.log(x) / Math.log(base);
  }),
  transpose: define("transpose", { params: ["values"] }, (a) => {
    const m = mapArg(a, 0, "values");
    const out = newObject();
    for (const k of sortedKeys(m)) {
      const items = m[k];
      if (!Array.isArray(items)) notListOfStrings(k);
      for (const item of items) {
        const s = item === null ? undefined : convertToString(item);
        if (s === undefined) notListOfStrings(k);
        const existing = out[s];
        if (Array.isArray(existing)) existing.push(k);
        else out[s] = [k];
      }
    }
    return out;
  }),
  matchkeys: define("matchkeys", { params: ["values", "keys", "searchset"] }, (a) => {
    const values = list(a, 0, "values");
    const keys = list(a, 1, "keys");
    const search = list(a, 2, "searchset");
    if (values.length !== keys.length) {
      failWithoutValues("length of keys and values should be equal", 1);
    }
    return values.filter((_, i) => search.some((x) => valuesEqual(x, keys[i]) === true));
  }),
  sensitive: define("sensitive", { params: ["value"] }, (a) => new Sensitive(a[0])),
  nonsensitive: () => failWithoutValues("nonsensitive is evaluated by the expression evaluator"),
};

function notListOfStrings(key: string): never {
  return fail(
    `the value for "${key}" is not a list of strings`,
    0,
    "a value of the map is not a list of strings",
  );
}

function boolElements(items: Value[]): (boolean | null)[] {
  return items.map((v, i) => {
    if (v === null) return null;
    const b = convertToBool(v);
    if (b === undefined) {
      failWithoutValues(
        typeof v === "string"
          ? 'Invalid value for "list" parameter: a bool is required.'
          : `Invalid value for "list" parameter: element ${i}: bool required.`,
        0,
      );
    }
    return b;
  });
}

export const standardFunctions: Readonly<Record<string, HclFunction>> = Object.freeze(
  Object.assign(Object.create(null), fns),
);
