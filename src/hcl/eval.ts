// STUB: replaced by the HCL evaluator work (issue 3).
import type { Expression } from "./ast.ts";
import type { Diagnostic, Result } from "./diagnostics.ts";
import type { Range } from "./source.ts";
import type { Value } from "./value.ts";

/** A function callable from HCL. Throw `FunctionError` for a user-facing error. */
export type HclFunction = (args: Value[], call: CallInfo) => Value;

export interface CallInfo {
  readonly range: Range;
  /** Directory that relative paths resolve against (path.module). */
  readonly baseDir: string;
}

export class FunctionError extends Error {
  /** Index of the offending argument, so the diagnostic can point at it. */
  constructor(message: string, readonly argIndex?: number) {
    super(message);
  }
}

export interface EvalContext {
  /** Root names in scope: `var`, `local`, `each`, `count`, `path`, resource types… */
  readonly variables: Readonly<Record<string, Value>>;
  /** Defaults to the standard library (functions.ts). */
  readonly functions?: Readonly<Record<string, HclFunction>>;
  /** For file functions; defaults to the current directory. */
  readonly baseDir?: string;
}

export function evaluate(_expr: Expression, _ctx: EvalContext): Result<Value> {
  const diagnostics: Diagnostic[] = [{
    severity: "error",
    code: "CW1100",
    summary: "evaluator not implemented yet",
  }];
  return { value: null, diagnostics };
}

/** One reference found in an expression: `var.port`, `file.index.path`, `each.key`. */
export interface Traversal {
  readonly root: string;
  /** Attribute names and literal index keys after the root, as far as they are static. */
  readonly path: readonly (string | number)[];
  readonly range: Range;
}

/** Every variable reference in the expression, excluding names bound by for-expressions. */
export function referencesOf(_expr: Expression): Traversal[] {
  return [];
}
