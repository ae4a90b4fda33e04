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
      throw new FunctionError(
        `Not enough function arguments: function "${name}" expects ${
          spec.variadic ? "at least " : ""
        }${min} argument${min === 1 ? "" : "s"}, got ${args.length}. Missing value for "${
          spec.params[args.length]
        }".`,
      );
    }
    if (!spec.variadic && args.length > min) {
      throw new FunctionError(
        `Too many function arguments: function "${name}" expects only ${min} argument${
          min === 1 ? "" : "s"
        }.`,
        min,
      );
    }
    return impl(args, call);
  };
  if (spec.unknownElements) unknownTolerant.add(fn);
  return fn;
}

function invalid(param: string, index: number, message: string): never {
  throw new FunctionError(`Invalid value for "${param}" parameter: ${message}`, index);
}

function notNull(args: Value[], i: number, param: string): Value {
  const v = args[i];
  if (v === null) invalid(param, i, "argument must not be null.");
  return v;
}

export function str(args: Value[], i: number, param: string): string {
  const v = notNull(args, i, param);
  const s = convertToString(v);
  if (s === undefined) invalid(param, i, `string required, got ${describeType(v)}.`);
  return s;
}

export function num(args: Value[], i: number, param: string): number {
  const v = notNull(args, i, param);
  const n = convertToNumber(v);
  if (n === undefined) {
    invalid(
      param,
      i,
      typeof v === "string"
        ? `a number is required, got string ${JSON.stringify(v)}.`
        : `number required, got ${describeType(v)}.`,
    );
  }
  return n;
}

export function int(args: Value[], i: number, param: string): number {
  const n = num(args, i, param);
  if (!Number.isInteger(n)) invalid(param, i, `a whole number is required, got ${n}.`);
  return n;
}

export function bool(args: Value[], i: number, param: string): boolean {
  const v = notNull(args, i, param);
  const b = convertToBool(v);
  if (b === undefined) invalid(param, i, `bool required, got ${describeType(v)}.`);
  return b;
}

export function list(args: Value[], i: number, param: string): Value[] {
  const v = notNull(args, i, param);
  if (!Array.isArray(v)) invalid(param, i, `list required, got ${describeType(v)}.`);
  return v;
}

export function obj(args: Value[], i: number, param: string): ValueObject {
  const v = notNull(args, i, param);
  if (typeof v !== "object" || Array.isArray(v) || v === UNKNOWN) {
    invalid(param, i, `map or object required, got ${describeType(v)}.`);
  }
  return v as ValueObject;
}

export function fail(message: string, index?: number): never {
  throw new FunctionError(message, index);
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
