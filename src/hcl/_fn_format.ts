/**
 * `format()` and `formatlist()` as Terraform runs them (cty's format
 * function): its verb grammar and messages, Go's big.Int layout for integer
 * verbs, Go's big.Float layout for float verbs (rounding half to even on the
 * number's exact binary value), and cty's own padding for `%s`, `%q`, `%v`.
 */
import type { Value } from "./value.ts";
import { FunctionError } from "./_eval_errors.ts";
import { convertToNumber, convertToString } from "./_eval_values.ts";
import { fail } from "./_fn_support.ts";
import { convertToBool } from "./_eval_values.ts";
import { jsonEncode } from "./_fn_encoding.ts";

interface Verb {
  /** The verb as written, e.g. `%-5.2[2]f`. */
  readonly raw: string;
  /** Byte offset of the `%` in the format string. */
  readonly offset: number;
  readonly flags: string;
  readonly width?: number;
  readonly precision?: number;
  /** 1-based index among the arguments after the format string. */
  readonly argNum: number;
  readonly mode: string;
}

const encoder = new TextEncoder();

function byteOffset(spec: string, index: number): number {
  return encoder.encode(spec.slice(0, index)).length;
}

/**
 * The verb starting at `pct`: `%` flags* width? precision? [argindex]? mode,
 * read as cty's scanner reads it, with its errors.
 */
function scanVerb(spec: string, pct: number, nextArg: number): Verb {
  let p = pct + 1;
  const run = (chars: RegExp) => {
    const start = p;
    while (p < spec.length && chars.test(spec[p])) p++;
    return spec.slice(start, p);
  };
  const expect = (chars: RegExp) => {
    if (p >= spec.length) {
      fail(`invalid format string starting at offset ${byteOffset(spec, spec.length)}`);
    }
    if (!chars.test(spec[p])) {
      const c = String.fromCodePoint(spec.codePointAt(p)!);
      fail(`unrecognized format character '${c}' at offset ${byteOffset(spec, p)}`);
    }
  };
  const flags = run(/[-+# 0]/);
  const width = /[1-9]/.test(spec[p] ?? "") ? run(/\d/) : undefined;
  let precision: string | undefined;
  if (spec[p] === ".") {
    p++;
    precision = run(/\d/);
  }
  let index: string | undefined;
  if (spec[p] === "[") {
    p++;
    expect(/[1-9]/);
    index = run(/\d/);
    expect(/\]/);
    p++;
  }
  expect(/[A-Za-z]/);
  p++;
  return {
    raw: spec.slice(pct, p),
    offset: byteOffset(spec, pct),
    flags,
    width: width === undefined ? undefined : Number(width),
    precision: precision === undefined ? undefined : Number(precision || "0"),
    argNum: index === undefined ? nextArg : Number(index),
    mode: spec[p - 1],
  };
}

/**
 * `args[0]` is the format string, the rest its operands. Throws
 * FunctionError; an operand's error points at it.
 */
export function formatString(spec: string, args: Value[]): string {
  const operands = args.length - 1;
  let out = "";
  let nextArg = 1;
  let highestArg = 0;
  let i = 0;
  while (i < spec.length) {
    const pct = spec.indexOf("%", i);
    if (pct < 0) {
      out += spec.slice(i);
      break;
    }
    out += spec.slice(i, pct);
    if (spec[pct + 1] === "%") {
      out += "%";
      i = pct + 2;
      continue;
    }
    const verb = scanVerb(spec, pct, nextArg);
    i = pct + verb.raw.length;
    nextArg = verb.argNum + 1;
    highestArg = Math.max(highestArg, verb.argNum);
    if (verb.argNum > operands) {
      fail(
        `not enough arguments for "${verb.raw}" at ${verb.offset}: need index ${verb.argNum} but have ${operands} total`,
      );
    }
    out += formatVerb(verb, args[verb.argNum], verb.argNum);
  }
  if (highestArg < operands) {
    const message = highestArg === 0
      ? 'Invalid value for "args" parameter: too many arguments; no verbs in format string.'
      : `Invalid value for "args" parameter: too many arguments; only ${highestArg} used by format string.`;
    throw new FunctionError(message, highestArg + 1, { withoutValues: message });
  }
  return out;
}

/**
 * formatlist: list arguments are iterated together (all of one length),
 * other arguments repeat.
 */
export function formatList(args: Value[]): Value[] {
  if (args.length === 1) return [formatString(args[0] as string, args)];
  let length = -1;
  let chosen = -1;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i];
    if (!Array.isArray(arg)) continue;
    if (length < 0) {
      length = arg.length;
      chosen = i;
    } else if (arg.length !== length) {
      const message =
        `Invalid value for "args" parameter: argument ${i} has length ${arg.length}, which is inconsistent with argument ${chosen} of length ${length}.`;
      throw new FunctionError(message, i, { withoutValues: message });
    }
  }
  const out: Value[] = [];
  const iterations = length < 0 ? 1 : length;
  for (let j = 0; j < iterations; j++) {
    const row = args.map((v, i) => (i > 0 && Array.isArray(v) ? v[j] : v));
    try {
      out.push(formatString(args[0] as string, row));
    } catch (err) {
      if (!(err instanceof FunctionError)) throw err;
      const prefix = `error on format iteration ${j}: `;
      const reason = err.message.replace(/^Invalid value for "args" parameter: (.*)\.$/, "$1");
      throw new FunctionError(prefix + reason, undefined, {
        withoutValues: err.withoutValues === undefined ? undefined : prefix + reason,
      });
    }
  }
  return out;
}

function unsupported(verb: Verb, reason: string, argIndex: number): never {
  return fail(`unsupported value for "${verb.raw}" at ${verb.offset}: ${reason}`, argIndex);
}

function formatVerb(verb: Verb, v: Value, argIndex: number): string {
  const { mode } = verb;
  if (mode !== "v" && v === null) unsupported(verb, "null value cannot be formatted", argIndex);
  switch (mode) {
    case "v":
      return padText(verb, plainValue(v, verb.flags.includes("#")));
    case "t": {
      const b = convertToBool(v);
      if (b === undefined) {
        unsupported(verb, typeof v === "string" ? "a bool is required" : "bool required", argIndex);
      }
      return b ? "true" : "false";
    }
    case "s":
    case "q": {
      const s = convertToString(v);
      if (s === undefined) unsupported(verb, "string required", argIndex);
      const cut = verb.precision === undefined ? s : [...s].slice(0, verb.precision).join("");
      return padText(verb, mode === "q" ? jsonEncode(cut) : cut);
    }
    case "b":
    case "d":
    case "o":
    case "x":
    case "X": {
      const n = numberOperand(verb, v, argIndex);
      if (!Number.isInteger(n)) unsupported(verb, "an integer is required", argIndex);
      return formatInteger(verb, n);
    }
    case "e":
    case "E":
    case "f":
    case "F":
    case "g":
    case "G":
      return formatFloat(verb, numberOperand(verb, v, argIndex));
    default:
      return fail(
        `unsupported format verb '${mode}' in "${verb.raw}" at offset ${verb.offset}`,
        argIndex,
      );
  }
}

function numberOperand(verb: Verb, v: Value, argIndex: number): number {
  const n = convertToNumber(v);
  if (n === undefined) {
    unsupported(verb, typeof v === "string" ? "a number is required" : "number required", argIndex);
  }
  return n;
}

/** `%v`: strings as they are, numbers in Go's shortest %g, the rest (or anything with `#`) as JSON. */
function plainValue(v: Value, json: boolean): string {
  if (json || (v !== null && typeof v === "object")) return jsonEncode(v);
  if (v === null) return "null";
  if (typeof v === "number") return (isNegative(v) ? "-" : "") + floatText(Math.abs(v), "g", -1);
  return convertToString(v)!;
}

/** cty's padding for text: `0` pads with zeros even on the right, width counts characters. */
function padText(verb: Verb, s: string): string {
  if (verb.width === undefined) return s;
  const fill = verb.width - [...s].length;
  if (fill <= 0) return s;
  const pad = (verb.flags.includes("0") ? "0" : " ").repeat(fill);
  return verb.flags.includes("-") ? s + pad : pad + s;
}

function isNegative(n: number): boolean {
  return n < 0 || Object.is(n, -0);
}

function signOf(n: number, flags: string): string {
  if (isNegative(n)) return "-";
  if (flags.includes("+")) return "+";
  if (flags.includes(" ")) return " ";
  return "";
}

/** Go's big.Int Format: precision is a minimum digit count, `0` pads only without one. */
function formatInteger(verb: Verb, n: number): string {
  const { mode, flags, width, precision } = verb;
  const value = BigInt(n);
  const sign = value < 0n ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
  const prefix = !flags.includes("#")
    ? ""
    : mode === "b"
    ? "0b"
    : mode === "o"
    ? "0"
    : mode === "x"
    ? "0x"
    : mode === "X"
    ? "0X"
    : "";
  const radix = mode === "b" ? 2 : mode === "o" ? 8 : mode === "d" ? 10 : 16;
  let digits = (value < 0n ? -value : value).toString(radix);
  if (mode === "X") digits = digits.toUpperCase();
  let zeros = 0;
  if (precision !== undefined) {
    if (digits.length < precision) zeros = precision - digits.length;
    else if (digits === "0" && precision === 0) return "";
  }
  let left = 0;
  let right = 0;
  const length = sign.length + prefix.length + zeros + digits.length;
  if (width !== undefined && length < width) {
    const d = width - length;
    if (flags.includes("-")) right = d;
    else if (flags.includes("0") && precision === undefined) zeros = d;
    else left = d;
  }
  return " ".repeat(left) + sign + prefix + "0".repeat(zeros) + digits + " ".repeat(right);
}

/** Go's big.Float Format: `0` pads after the sign and wins over `-`; `#` is ignored. */
function formatFloat(verb: Verb, n: number): string {
  const upper = verb.mode === "E" || verb.mode === "G";
  const fmt = verb.mode.toLowerCase() as "e" | "f" | "g";
  const precision = verb.precision ?? (fmt === "g" ? -1 : 6);
  let text = floatText(Math.abs(n), fmt, precision);
  if (upper) text = text.toUpperCase();
  const sign = signOf(n, verb.flags);
  const fill = verb.width !== undefined ? Math.max(verb.width - sign.length - text.length, 0) : 0;
  if (verb.flags.includes("0")) return sign + "0".repeat(fill) + text;
  if (verb.flags.includes("-")) return sign + text + " ".repeat(fill);
  return " ".repeat(fill) + sign + text;
}

/**
 * A decimal 0.mant × 10^exp, mant without leading or trailing zeros (empty
 * for zero), as Go's big.Float formatting works on.
 */
interface Decimal {
  mant: string;
  exp: number;
}

const float64 = new Float64Array(1);
const bits64 = new BigUint64Array(float64.buffer);

/** The exact value of a non-negative double in decimal: every double is a finite decimal fraction. */
function exactDecimal(x: number): Decimal {
  if (x === 0) return { mant: "", exp: 0 };
  float64[0] = x;
  const bits = bits64[0];
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  let digits: string;
  let exp: number;
  if (exponent >= 0) {
    digits = (mantissa << BigInt(exponent)).toString();
    exp = digits.length;
  } else {
    // m / 2^k = m·5^k / 10^k
    digits = (mantissa * 5n ** BigInt(-exponent)).toString();
    exp = digits.length + exponent;
  }
  return { mant: digits.replace(/0+$/, ""), exp };
}

/** The shortest decimal that reads back as the same double. */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { mant: "", exp: 0 };
  const [mantissa, exponent] = x.toExponential().split("e");
  return { mant: mantissa.replace(".", "").replace(/0+$/, ""), exp: Number(exponent) + 1 };
}

/** Go's decimal.round: to n digits, half to even. */
function roundDecimal(d: Decimal, n: number): void {
  if (n < 0 || n >= d.mant.length) return;
  const next = d.mant.charCodeAt(n);
  const up = next === 0x35 && n + 1 === d.mant.length
    ? n > 0 && (d.mant.charCodeAt(n - 1) - 0x30) % 2 === 1
    : next >= 0x35;
  if (!up) {
    d.mant = d.mant.slice(0, n).replace(/0+$/, "");
    if (d.mant === "") d.exp = 0;
    return;
  }
  let i = n;
  while (i > 0 && d.mant[i - 1] === "9") i--;
  if (i === 0) {
    d.mant = "1";
    d.exp++;
    return;
  }
  d.mant = d.mant.slice(0, i - 1) + String.fromCharCode(d.mant.charCodeAt(i - 1) + 1);
}

function digitAt(d: Decimal, i: number): string {
  return i >= 0 && i < d.mant.length ? d.mant[i] : "0";
}

function fixedText(d: Decimal, precision: number): string {
  let out = d.exp > 0 ? d.mant.slice(0, d.exp).padEnd(d.exp, "0") : "0";
  if (precision > 0) {
    out += ".";
    for (let i = 0; i < precision; i++) out += digitAt(d, d.exp + i);
  }
  return out;
}

function exponentText(d: Decimal, precision: number): string {
  let out = d.mant === "" ? "0" : d.mant[0];
  if (precision > 0) {
    out += ".";
    for (let i = 1; i <= precision; i++) out += digitAt(d, i);
  }
  const exp = d.mant === "" ? 0 : d.exp - 1;
  return out + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
}

/** Go's big.Float.Text(fmt, precision) for x ≥ 0; precision -1 is the shortest exact form. */
function floatText(x: number, fmt: "e" | "f" | "g", precision: number): string {
  const shortest = precision < 0;
  const d = shortest ? shortestDecimal(x) : exactDecimal(x);
  let prec = precision;
  if (shortest) {
    prec = fmt === "e"
      ? d.mant.length - 1
      : fmt === "f"
      ? Math.max(d.mant.length - d.exp, 0)
      : d.mant.length;
  } else if (fmt === "e") roundDecimal(d, 1 + prec);
  else if (fmt === "f") roundDecimal(d, d.exp + prec);
  else {
    if (prec === 0) prec = 1;
    roundDecimal(d, prec);
  }
  if (fmt === "e") return exponentText(d, prec);
  if (fmt === "f") return fixedText(d, prec);
  let eprec = prec;
  if (eprec > d.mant.length && d.mant.length >= d.exp) eprec = d.mant.length;
  if (shortest) eprec = 6;
  const exp = d.exp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > d.mant.length) prec = d.mant.length;
    return exponentText(d, prec - 1);
  }
  if (prec > d.exp) prec = d.mant.length;
  return fixedText(d, Math.max(prec - d.exp, 0));
}
