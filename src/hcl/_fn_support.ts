/**
 * Building blocks of the function library: definitions with arity checks and
 * argument accessors that convert as Terraform does and report the offending
 * argument's index through FunctionError.
 */
import type { CallInfo, HclFunction } from "./eval.ts";
import { FunctionError } from "./_eval_errors.ts";
import { UNKNOWN, type Value, type ValueObject } from "./value.ts";
import {
  convertToBool,
  convertToNumber,
  convertToString,
  describeType,
  newObject,
} from "./_eval_values.ts";

const unknownTolerant = new WeakSet<HclFunction>();

/**
 * Functions that only move elements around (length, concat, lookup…) work on
 * collections holding unknown elements; every other function yields UNKNOWN
 * when any argument contains one.
 */
export function acceptsUnknownElements(fn: HclFunction): boolean {
  return unknownTolerant.has(fn);
}

export interface FunctionSpec {
  readonly params: readonly string[];
  /** Name of the variadic parameter, when the function takes any number of extra arguments. */
  readonly variadic?: string;
  readonly unknownElements?: boolean;
}

export function define(
  name: string,
  spec: FunctionSpec,
  impl: (args: Value[], call: CallInfo) => Value,
): HclFunction {
  const min = spec.params.length;
  const fn: HclFunction = (args, call) => {
    if (args.length < min) {
      failWithoutValues(
        `Function "${name}" expects ${spec.variadic ? "at least " : ""}${min} argument${
          min === 1 ? "" : "s"
        }, got ${args.length}. Missing value for "${spec.params[args.length]}".`,
        undefined,
        "Not enough function arguments",
      );
    }
    if (!spec.variadic && args.length > min) {
      failWithoutValues(
        `Function "${name}" expects only ${min} argument${min === 1 ? "" : "s"}.`,
        min,
        "Too many function arguments",
      );
    }
    return impl(args, call);
  };
  if (spec.unknownElements) unknownTolerant.add(fn);
  return fn;
}

/**
 * `message` may quote the argument; `withoutValues` says the same without it
 * (see FunctionError). Most callers describe only the type, so pass it twice.
 */
function invalid(param: string, index: number, message: string, withoutValues: string): never {
  throw new FunctionError(`Invalid value for "${param}" parameter: ${message}`, index, {
    withoutValues: `Invalid value for "${param}" parameter: ${withoutValues}`,
  });
}

function invalidType(param: string, index: number, message: string): never {
  return invalid(param, index, message, message);
}

function notNull(args: Value[], i: number, param: string): Value {
  const v = args[i];
  if (v === null) invalidType(param, i, "argument must not be null.");
  return v;
}

export function str(args: Value[], i: number, param: string): string {
  const v = notNull(args, i, param);
  const s = convertToString(v);
  if (s === undefined) invalidType(param, i, `string required, got ${describeType(v)}.`);
  return s;
}

export function num(args: Value[], i: number, param: string): number {
  const v = notNull(args, i, param);
  const n = convertToNumber(v);
  if (n === undefined) {
    if (typeof v === "string") {
      invalid(
        param,
        i,
        `a number is required, got string ${JSON.stringify(v)}.`,
        "a number is required, got a string that is not a number.",
      );
    }
    invalidType(param, i, `number required, got ${describeType(v)}.`);
  }
  return n;
}

export function int(args: Value[], i: number, param: string): number {
  const n = num(args, i, param);
  if (!Number.isInteger(n)) {
    invalid(param, i, `a whole number is required, got ${n}.`, "a whole number is required.");
  }
  return n;
}

export function bool(args: Value[], i: number, param: string): boolean {
  const v = notNull(args, i, param);
  const b = convertToBool(v);
  if (b === undefined) invalidType(param, i, `bool required, got ${describeType(v)}.`);
  return b;
}

export function list(args: Value[], i: number, param: string): Value[] {
  const v = notNull(args, i, param);
  if (!Array.isArray(v)) invalidType(param, i, `list required, got ${describeType(v)}.`);
  return v;
}

export function obj(args: Value[], i: number, param: string): ValueObject {
  const v = notNull(args, i, param);
  if (typeof v !== "object" || Array.isArray(v) || v === UNKNOWN) {
    invalidType(param, i, `map or object required, got ${describeType(v)}.`);
  }
  return v as ValueObject;
}

/**
 * A failed call whose message may quote argument values; `withoutValues`, when
 * given, is the same reason without them (see FunctionError).
 */
export function fail(message: string, index?: number, withoutValues?: string): never {
  throw new FunctionError(message, index, { withoutValues });
}

/** A failed call whose message quotes no part of any argument's value: shown even when one is sensitive. */
export function failWithoutValues(message: string, index?: number, summary?: string): never {
  throw new FunctionError(message, index, { withoutValues: message, summary });
}

/**
 * Makes the elements of a list or map share one type as HCL's collection
 * conversions do: mixed primitives become strings; mixing primitives with
 * collections is an error (returned as a message).
 */
export function unifyElements(values: Value[]): Value[] | string {
  let kinds = 0;
  for (const v of values) {
    if (v === null || v === UNKNOWN) continue;
    if (typeof v === "string") kinds |= 1;
    else if (typeof v === "number") kinds |= 2;
    else if (typeof v === "boolean") kinds |= 4;
    else if (Array.isArray(v)) kinds |= 8;
    else kinds |= 16;
  }
  if (kinds === 0 || (kinds & (kinds - 1)) === 0) return values;
  if (kinds >= 8) return "all elements must have the same type";
  return values.map((v) => (v === null || v === UNKNOWN ? v : convertToString(v)!));
}

export function objectFrom(entries: Iterable<[string, Value]>): ValueObject {
  const out = newObject();
  for (const [k, v] of entries) out[k] = v;
  return out;
}
