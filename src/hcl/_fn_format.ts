/** `format()` with Terraform's verbs, flags, width, precision and `%[n]` argument indexes. */
import type { Value } from "./value.ts";
import { convertToNumber, convertToString, numberToString } from "./_eval_values.ts";
import { fail } from "./_fn_support.ts";
import { jsonEncode } from "./_fn_encoding.ts";

const VERB = /%([-+# 0]*)(?:\[(\d+)\])?(\d+)?(?:\.(\d*))?(.)?/y;

/** `args[0]` is the format string; the rest are its operands. */
export function formatString(spec: string, args: Value[]): string {
  let out = "";
  let next = 1;
  let i = 0;
  while (i < spec.length) {
    const pct = spec.indexOf("%", i);
    if (pct < 0) {
      out += spec.slice(i);
      break;
    }
    out += spec.slice(i, pct);
    VERB.lastIndex = pct;
    const m = VERB.exec(spec)!;
    i = VERB.lastIndex;
    const [, flags, explicit, width, precision, verb] = m;
    if (verb === undefined) fail(`unterminated format verb at offset ${pct}`, 0);
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (explicit !== undefined) next = Number(explicit);
    if (next >= args.length) {
      fail(`too few arguments; no value for "%${verb}" at offset ${pct}`, 0);
    }
    const argIndex = next++;
    const piece = formatOne(
      verb,
      flags,
      precision === undefined ? undefined : Number(precision || "0"),
      args[argIndex],
      argIndex,
    );
    out += pad(piece, width === undefined ? 0 : Number(width), flags, verb);
  }
  return out;
}

function pad(s: string, width: number, flags: string, verb: string): string {
  const length = [...s].length;
  if (length >= width) return s;
  const fill = width - length;
  if (flags.includes("-")) return s + " ".repeat(fill);
  if (flags.includes("0") && "dfeEgGxXob".includes(verb)) {
    const sign = s[0] === "-" || s[0] === "+" || s[0] === " " ? s[0] : "";
    return sign + "0".repeat(fill) + s.slice(sign.length);
  }
  return " ".repeat(fill) + s;
}

function signed(s: string, n: number, flags: string): string {
  if (n < 0 || Object.is(n, -0)) return s;
  if (flags.includes("+")) return "+" + s;
  if (flags.includes(" ")) return " " + s;
  return s;
}

function numberArg(v: Value, verb: string, index: number): number {
  const n = v === null ? undefined : convertToNumber(v);
  if (n === undefined) fail(`unsupported value for "%${verb}" at ${index}: number required`, index);
  return n;
}

/** Go's %e layout: at least two exponent digits. */
function exponentForm(n: number, precision: number | undefined, upper: boolean): string {
  const s = precision === undefined ? n.toExponential() : n.toExponential(precision);
  const [mantissa, exp] = s.split("e");
  const sign = exp[0] === "-" ? "-" : "+";
  const digits = exp.replace(/^[+-]/, "").padStart(2, "0");
  const out = `${mantissa}e${sign}${digits}`;
  return upper ? out.toUpperCase() : out;
}

function formatOne(
  verb: string,
  flags: string,
  precision: number | undefined,
  v: Value,
  index: number,
): string {
  switch (verb) {
    case "v":
      if (v === null) return "null";
      if (typeof v === "object") return jsonEncode(v);
      return convertToString(v)!;
    case "s": {
      if (v === null) {
        fail(`unsupported value for "%s" at ${index}: null value cannot be formatted`, index);
      }
      const s = convertToString(v);
      if (s === undefined) fail(`unsupported value for "%s" at ${index}: string required`, index);
      return precision === undefined ? s : [...s].slice(0, precision).join("");
    }
    case "q": {
      const s = v === null ? undefined : convertToString(v);
      if (s === undefined) fail(`unsupported value for "%q" at ${index}: string required`, index);
      return JSON.stringify(s);
    }
    case "t":
      if (typeof v !== "boolean" && v !== "true" && v !== "false") {
        fail(`unsupported value for "%t" at ${index}: bool required`, index);
      }
      return String(v);
    case "d": {
      const n = numberArg(v, verb, index);
      if (!Number.isInteger(n)) {
        fail(`unsupported value for "%d" at ${index}: value must be a whole number`, index);
      }
      return signed(numberToString(n), n, flags);
    }
    case "b":
    case "o":
    case "x":
    case "X": {
      if (
        (verb === "x" || verb === "X") && typeof v === "string" && convertToNumber(v) === undefined
      ) {
        const hex = Array.from(new TextEncoder().encode(v), (b) => b.toString(16).padStart(2, "0"))
          .join("");
        return verb === "X" ? hex.toUpperCase() : hex;
      }
      const n = numberArg(v, verb, index);
      if (!Number.isInteger(n)) {
        fail(`unsupported value for "%${verb}" at ${index}: value must be a whole number`, index);
      }
      const radix = verb === "b" ? 2 : verb === "o" ? 8 : 16;
      let s = Math.abs(n).toString(radix);
      if (verb === "X") s = s.toUpperCase();
      if (flags.includes("#")) s = (verb === "o" ? "0" : verb === "b" ? "0b" : "0x") + s;
      return signed(n < 0 ? "-" + s : s, n, flags);
    }
    case "f":
    case "F": {
      const n = numberArg(v, verb, index);
      return signed(n.toFixed(precision ?? 6), n, flags);
    }
    case "e":
    case "E": {
      const n = numberArg(v, verb, index);
      return signed(exponentForm(n, precision ?? 6, verb === "E"), n, flags);
    }
    case "g":
    case "G": {
      const n = numberArg(v, verb, index);
      const exp = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)));
      const limit = precision ?? 21;
      const s = exp < -4 || exp >= limit
        ? exponentForm(
          n,
          precision === undefined ? undefined : Math.max(precision - 1, 0),
          verb === "G",
        )
        : precision === undefined
        ? numberToString(n)
        : String(Number(n.toPrecision(Math.max(precision, 1))));
      return signed(s, n, flags);
    }
    default:
      return fail(`unsupported format verb "%${verb}"`, 0);
  }
}
