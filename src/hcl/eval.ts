/**
 * The HCL expression evaluator. Values are the plain JS values of value.ts;
 * UNKNOWN propagates through every operation and Sensitive marks follow every
 * value derived from a sensitive input. User errors become diagnostics
 * (CW1100–CW1199) and the failed sub-expression evaluates to UNKNOWN so one
 * mistake does not cascade into follow-on errors.
 */
import type {
  BinaryExpr,
  CallExpr,
  Expression,
  ForExpr,
  GetAttrExpr,
  IndexExpr,
  ObjectExpr,
  TemplateExpr,
  TemplatePart,
  VariableExpr,
} from "./ast.ts";
import type { Diagnostic, Result } from "./diagnostics.ts";
import type { Range } from "./source.ts";
import { Sensitive, UNKNOWN, type Value, type ValueObject } from "./value.ts";
import {
  convertToBool,
  convertToNumber,
  convertToString,
  deepUnmark,
  describeType,
  didYouMean,
  HAS_SENSITIVE,
  HAS_UNKNOWN,
  hasOwn,
  mark,
  newObject,
  ownValue,
  scanMarks,
  sortedKeys,
  valuesEqual,
} from "./_eval_values.ts";
import { FunctionError } from "./_eval_errors.ts";
import { PlainTemplateNode } from "./_nodes.ts";
import { standardFunctions } from "./functions.ts";
import { acceptsUnknownElements } from "./_fn_support.ts";

/** A function callable from HCL. Throw `FunctionError` for a user-facing error. */
export type HclFunction = (args: Value[], call: CallInfo) => Value;

export interface CallInfo {
  readonly range: Range;
  /** Directory that relative paths resolve against (path.module). */
  readonly baseDir: string;
  /**
   * The arguments with their sensitive marks, set only when one of them had
   * a mark (functions receive them unmarked): for a function that evaluates
   * further expressions with them, as templatefile does.
   */
  readonly markedArgs?: readonly Value[];
}

export { FunctionError };

export interface EvalContext {
  /** Root names in scope: `var`, `local`, `each`, `count`, `path`, resource types… */
  readonly variables: Readonly<Record<string, Value>>;
  /** Defaults to the standard library (functions.ts). */
  readonly functions?: Readonly<Record<string, HclFunction>>;
  /** For file functions; defaults to the current directory. */
  readonly baseDir?: string;
}

/**
 * Diagnostic codes of the evaluator.
 * CW1100 unknown variable, CW1101 unsupported attribute, CW1102 invalid index,
 * CW1103 invalid operand, CW1104 invalid condition, CW1105 unknown function,
 * CW1106 invalid function argument / failed call, CW1107 invalid template
 * value, CW1108 invalid for expression, CW1109 invalid object key,
 * CW1110 invalid expanding argument, CW1111 duplicate key in for expression,
 * CW1199 an engine limit was hit while evaluating.
 */
export const EvalCodes = {
  unknownVariable: "CW1100",
  unsupportedAttribute: "CW1101",
  invalidIndex: "CW1102",
  invalidOperand: "CW1103",
  invalidCondition: "CW1104",
  unknownFunction: "CW1105",
  functionCall: "CW1106",
  templateValue: "CW1107",
  forExpression: "CW1108",
  objectKey: "CW1109",
  expandingArgument: "CW1110",
  duplicateKey: "CW1111",
  internal: "CW1199",
} as const;

/**
 * One evaluator is kept for reuse so evaluating many small expressions
 * allocates only results. evaluate() can be re-entered (templatefile calls
 * it from inside a function), so an evaluator in use is never shared.
 */
let spare: Evaluator | undefined;
const NO_VARIABLES: Readonly<Record<string, Value>> = Object.freeze(Object.create(null));

export function evaluate(expr: Expression, ctx: EvalContext): Result<Value> {
  const ev = spare ?? new Evaluator();
  spare = undefined;
  ev.reset(ctx.variables, ctx.functions ?? standardFunctions, ctx.baseDir, []);
  const value = ev.run(expr);
  const diagnostics = ev.diags.length > 1 ? withoutRepeats(ev.diags) : ev.diags;
  ev.release();
  spare = ev;
  return { value, diagnostics };
}

/**
 * evaluate() with the standard functions for a caller that gathers
 * diagnostics in its own list: it builds no context or result object, which
 * matters to configuration loading's tens of thousands of small expressions.
 */
export function evaluateInto(
  expr: Expression,
  variables: Readonly<Record<string, Value>>,
  baseDir: string,
  diagnostics: Diagnostic[],
): Value {
  const ev = spare ?? new Evaluator();
  spare = undefined;
  const own = ev.ownDiags;
  ev.reset(variables, standardFunctions, baseDir, own);
  const value = ev.run(expr);
  if (own.length === 1) diagnostics.push(own[0]);
  else if (own.length > 1) diagnostics.push(...withoutRepeats(own));
  own.length = 0;
  ev.release();
  spare = ev;
  return value;
}

/** A mistake inside a for body would otherwise be reported once per element. */
function withoutRepeats(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const key = `${d.code}|${d.subject?.start}|${d.subject?.end}|${d.summary}|${d.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function ownFunction(
  fns: Readonly<Record<string, HclFunction>>,
  name: string,
): HclFunction | undefined {
  const fn = fns[name];
  return fn !== undefined && hasOwn(fns, name) ? fn : undefined;
}

const NO_ELEMENT = "The given key does not identify an element in this collection value";

function unwrap(v: Value): Value {
  return v instanceof Sensitive ? v.value : v;
}

function subRange(r: Range, start: number, end: number): Range {
  return { filename: r.filename, start, end };
}

/** CallInfo whose baseDir and range are looked up only if the function asks for them. */
class CallSite implements CallInfo {
  expr: Expression | undefined;
  markedArgs: readonly Value[] | undefined;
  constructor(readonly evaluator: Evaluator) {}
  get range(): Range {
    return this.expr?.range ?? { filename: "", start: 0, end: 0 };
  }
  get baseDir(): string {
    return this.evaluator.baseDir;
  }
}

class Evaluator {
  diags: Diagnostic[] = [];
  vars: Readonly<Record<string, Value>> = NO_VARIABLES;
  fns: Readonly<Record<string, HclFunction>> = standardFunctions;
  ctxBaseDir: string | undefined;
  /** For-expression and template-for symbols, innermost last. */
  readonly scopeNames: string[] = [];
  readonly scopeValues: Value[] = [];
  splatItem: Value = null;
  /** Set while rendering a template: an interpolated value was unknown / sensitive. */
  templateUnknown = false;
  templateSensitive = false;
  readonly callSite = new CallSite(this);

  /** Never handed to a caller, so evaluateInto can reuse it. */
  readonly ownDiags: Diagnostic[] = [];

  reset(
    variables: Readonly<Record<string, Value>>,
    fns: Readonly<Record<string, HclFunction>>,
    baseDir: string | undefined,
    diags: Diagnostic[],
  ): void {
    this.vars = variables;
    this.fns = fns;
    this.ctxBaseDir = baseDir;
    this.diags = diags;
    if (this.scopeNames.length > 0) {
      this.scopeNames.length = 0;
      this.scopeValues.length = 0;
    }
    this.splatItem = null;
    this.templateUnknown = false;
    this.templateSensitive = false;
  }

  run(expr: Expression): Value {
    try {
      return this.eval(expr);
    } catch (err) {
      // Only an engine limit gets here (a string too long to build, say); it
      // is still reported as a diagnostic rather than thrown at the caller.
      return this.error(
        EvalCodes.internal,
        "Expression too large to evaluate",
        err instanceof Error ? err.message : String(err),
        expr.range,
      );
    }
  }

  /** Drops references to the caller's data while the evaluator waits for reuse. */
  release(): void {
    this.vars = NO_VARIABLES;
  }

  /** Resolved only when a function needs it: Deno.cwd() is a system call. */
  get baseDir(): string {
    return this.ctxBaseDir ??= Deno.cwd();
  }

  /**
   * Records an error: `summary` is one line without a final full stop and
   * never quotes a value; `detail` explains, beside the caret. A value that is
   * sensitive, or derived from one, is never quoted in either.
   */
  error(code: string, summary: string, detail: string, subject: Range): typeof UNKNOWN {
    this.diags.push({ severity: "error", code, summary, detail, subject });
    return UNKNOWN;
  }

  eval(e: Expression): Value {
    switch (e.kind) {
      case "Literal": {
        const v = e.value;
        // JSON, state and files cannot hold Infinity; `1e400` is the only way a literal gets there.
        if (typeof v === "number" && !Number.isFinite(v)) {
          return this.error(
            EvalCodes.invalidOperand,
            "Invalid number",
            `${e.raw ?? v} is too large to represent.`,
            e.range,
          );
        }
        return v;
      }
      case "Template":
        return this.template(e);
      case "Variable":
        return this.variable(e);
      case "GetAttr":
        return this.getAttr(this.eval(e.object), e);
      case "Index":
        return this.index(e);
      case "Splat":
        return this.splat(e.source, e.each);
      case "SplatItem":
        return this.splatItem;
      case "Call":
        return this.call(e);
      case "Conditional":
        return this.conditional(e.condition, e.then, e.else);
      case "Binary":
        return this.binary(e);
      case "Unary":
        return this.unary(e.op, e.operand);
      case "Tuple": {
        const items = e.items;
        const out = new Array<Value>(items.length);
        for (let i = 0; i < items.length; i++) out[i] = this.eval(items[i]);
        return out;
      }
      case "Object":
        return this.object(e);
      case "For":
        return this.forExpr(e);
      case "Parens":
        return this.eval(e.expr);
    }
  }

  /** Ranges are read only for diagnostics: parsed nodes build them on demand. */
  variable(e: VariableExpr): Value {
    const name = e.name;
    const names = this.scopeNames;
    for (let i = names.length - 1; i >= 0; i--) {
      if (names[i] === name) return this.scopeValues[i];
    }
    const v = ownValue(this.vars, name);
    if (v !== undefined) return v;
    return this.error(
      EvalCodes.unknownVariable,
      "Unknown variable",
      `There is no variable named "${name}".${
        didYouMean(name, [...names, ...Object.keys(this.vars)])
      }`,
      e.range,
    );
  }

  getAttr(target: Value, e: GetAttrExpr): Value {
    if (target === UNKNOWN) return UNKNOWN;
    const name = e.name;
    const sensitive = target instanceof Sensitive;
    const obj = unwrap(target);
    if (obj === UNKNOWN) return UNKNOWN;
    if (obj === null) {
      return this.error(
        EvalCodes.unsupportedAttribute,
        "Attempt to get attribute from null value",
        "This value is null, so it does not have any attributes.",
        e.nameRange,
      );
    }
    if (typeof obj !== "object") {
      return this.error(
        EvalCodes.unsupportedAttribute,
        "Unsupported attribute",
        `Can't access attributes on a primitive-typed value (${describeType(obj)}).`,
        e.nameRange,
      );
    }
    if (Array.isArray(obj)) {
      return this.error(
        EvalCodes.unsupportedAttribute,
        "Unsupported attribute",
        `Can't access attributes on a list of objects. Did you mean to access attribute "${name}" for a specific element of the list, or across all elements of the list?`,
        e.nameRange,
      );
    }
    const v = ownValue(obj as ValueObject, name);
    if (v === undefined) {
      // The attribute names of a sensitive object are part of its value.
      return this.error(
        EvalCodes.unsupportedAttribute,
        "Unsupported attribute",
        `This object does not have an attribute named "${name}".${
          sensitive ? "" : didYouMean(name, Object.keys(obj))
        }`,
        e.nameRange,
      );
    }
    return sensitive ? mark(v, true) : v;
  }

  index(e: IndexExpr): Value {
    const target = this.eval(e.object);
    const keyValue = this.eval(e.key);
    return this.indexValue(target, keyValue, e);
  }

  /** The `[key]` part of an index expression, which diagnostics point at. */
  indexSubject(e: IndexExpr): Range {
    return subRange(e.range, e.object.range.end, e.range.end);
  }

  indexValue(target: Value, keyValue: Value, e: IndexExpr): Value {
    if (target === UNKNOWN) return UNKNOWN;
    const targetSensitive = target instanceof Sensitive;
    const keySensitive = keyValue instanceof Sensitive;
    const sensitive = targetSensitive || keySensitive;
    const obj = unwrap(target);
    const key = unwrap(keyValue);
    if (obj === UNKNOWN) return UNKNOWN;
    if (obj === null) {
      return this.error(
        EvalCodes.invalidIndex,
        "Attempt to index null value",
        "This value is null, so it does not have any indices.",
        this.indexSubject(e),
      );
    }
    if (typeof obj !== "object") {
      return this.error(
        EvalCodes.invalidIndex,
        "Invalid index",
        `This value does not have any indices (it is a ${describeType(obj)}).`,
        this.indexSubject(e),
      );
    }
    if (key === UNKNOWN) return UNKNOWN;
    if (key === null) {
      return this.error(
        EvalCodes.invalidIndex,
        "Invalid index",
        "Can't use a null value as an indexing key.",
        this.indexSubject(e),
      );
    }
    if (Array.isArray(obj)) {
      const n = convertToNumber(key);
      if (n === undefined) {
        return this.error(
          EvalCodes.invalidIndex,
          "Invalid index",
          `${NO_ELEMENT}: a number is required, got ${
            keySensitive ? `a sensitive ${describeType(key)}` : describeType(key)
          }.`,
          this.indexSubject(e),
        );
      }
      if (!Number.isInteger(n) || n < 0 || n >= obj.length) {
        // How long a sensitive list is, or which sensitive index missed it, is not shown.
        const why = sensitive
          ? "the index is not a position in this sensitive value"
          : !Number.isInteger(n)
          ? "the index must be a whole number"
          : n < 0
          ? "a negative number is not a valid index for a sequence"
          : `the collection has ${obj.length} element${obj.length === 1 ? "" : "s"}`;
        return this.error(
          EvalCodes.invalidIndex,
          "Invalid index",
          `${NO_ELEMENT}: ${why}.`,
          this.indexSubject(e),
        );
      }
      return sensitive ? mark(obj[n], true) : obj[n];
    }
    const k = convertToString(key);
    if (k === undefined) {
      return this.error(
        EvalCodes.invalidIndex,
        "Invalid index",
        `${NO_ELEMENT}: a string key is required, got ${describeType(key)}.`,
        this.indexSubject(e),
      );
    }
    const found = ownValue(obj as ValueObject, k);
    if (found === undefined) {
      // A sensitive key is not quoted, nor a key of a sensitive map suggested.
      return this.error(
        EvalCodes.invalidIndex,
        "Invalid index",
        keySensitive
          ? `${NO_ELEMENT}: there is no element with the given sensitive key.`
          : `${NO_ELEMENT}: there is no element with key "${k}".${
            targetSensitive ? "" : didYouMean(k, Object.keys(obj))
          }`,
        this.indexSubject(e),
      );
    }
    return sensitive ? mark(found, true) : found;
  }

  splat(source: Expression, each: Expression): Value {
    const src = this.eval(source);
    if (src === UNKNOWN) return UNKNOWN;
    const sensitive = src instanceof Sensitive;
    const value = unwrap(src);
    if (value === UNKNOWN) return UNKNOWN;
    if (value === null) return mark([], sensitive);
    const saved = this.splatItem;
    let out: Value[];
    // Items of a sensitive list carry its mark, so what is done with them is sensitive too.
    if (Array.isArray(value)) {
      out = new Array<Value>(value.length);
      for (let i = 0; i < value.length; i++) {
        this.splatItem = sensitive ? mark(value[i], true) : value[i];
        out[i] = this.eval(each);
      }
    } else {
      this.splatItem = sensitive ? mark(value, true) : value;
      out = [this.eval(each)];
    }
    this.splatItem = saved;
    return mark(out, sensitive);
  }

  conditional(condition: Expression, thenExpr: Expression, elseExpr: Expression): Value {
    const c = this.eval(condition);
    if (c === UNKNOWN) return UNKNOWN;
    const sensitive = c instanceof Sensitive;
    const raw = unwrap(c);
    if (raw === UNKNOWN) return UNKNOWN;
    const b = this.toBool(raw, condition.range, "Invalid condition", "The condition");
    if (b === undefined) return UNKNOWN;
    let result = this.eval(b ? thenExpr : elseExpr);
    // HCL unifies the branch types: `c ? 1 : "x"` is a string either way.
    // The other branch is looked at only when that could matter, and its
    // errors are not reported (as in HCL, only the taken branch's are).
    if (typeof result === "number" || typeof result === "boolean") {
      const other = b ? elseExpr : thenExpr;
      if (
        other.kind === "Template" ||
        (other.kind !== "Literal" && typeof unwrap(this.isolated(other).value) === "string")
      ) {
        result = convertToString(result)!;
      }
    }
    return sensitive ? mark(result, true) : result;
  }

  toBool(raw: Value, range: Range, title: string, what: string): boolean | undefined {
    if (raw === null) {
      this.error(
        EvalCodes.invalidCondition,
        title,
        `${what} value is null. Conditions must either be true or false.`,
        range,
      );
      return undefined;
    }
    const b = convertToBool(raw);
    if (b === undefined) {
      this.error(
        EvalCodes.invalidCondition,
        title,
        `${what} must be a bool, got ${describeType(raw)}.`,
        range,
      );
    }
    return b;
  }

  binary(e: BinaryExpr): Value {
    const op = e.op;
    if (op === "&&" || op === "||") return this.logical(e);
    const left = this.eval(e.left);
    const right = this.eval(e.right);
    if (op === "==" || op === "!=") {
      const flags = scanMarks(left) | scanMarks(right);
      const eq = valuesEqual(left, right);
      if (eq === UNKNOWN) return UNKNOWN;
      return mark(op === "==" ? eq : !eq, (flags & HAS_SENSITIVE) !== 0);
    }
    const sensitive = left instanceof Sensitive || right instanceof Sensitive;
    const l = this.operandNumber(left, e.left.range, "left");
    const r = this.operandNumber(right, e.right.range, "right");
    if (l === undefined || r === undefined) return UNKNOWN;
    let out: number | boolean;
    switch (op) {
      case "+":
        out = l + r;
        break;
      case "-":
        out = l - r;
        break;
      case "*":
        out = l * r;
        break;
      case "/":
        if (r === 0) {
          return this.error(
            EvalCodes.invalidOperand,
            "Invalid operand",
            l === 0 ? "Can't divide zero by zero." : "Can't divide by zero.",
            e.opRange,
          );
        }
        out = l / r;
        break;
      case "%":
        if (r === 0) {
          return this.error(
            EvalCodes.invalidOperand,
            "Invalid operand",
            "Can't compute the remainder of a division by zero.",
            e.right.range,
          );
        }
        out = l % r;
        break;
      case "<":
        out = l < r;
        break;
      case "<=":
        out = l <= r;
        break;
      case ">":
        out = l > r;
        break;
      default:
        out = l >= r;
        break;
    }
    if (typeof out === "number" && !Number.isFinite(out)) {
      return this.error(
        EvalCodes.invalidOperand,
        "Invalid operand",
        `The result of ${op} is too large to represent as a number.`,
        e.opRange,
      );
    }
    return mark(out, sensitive);
  }

  /**
   * Converts an operand (possibly marked) to number; undefined when it is
   * unknown or (with a diagnostic) unsuitable.
   */
  operandNumber(operand: Value, range: Range, side: string): number | undefined {
    const v = unwrap(operand);
    if (v === UNKNOWN) return undefined;
    const n = v === null ? undefined : convertToNumber(v);
    if (n === undefined) {
      const got = v === null
        ? "null"
        : typeof v !== "string"
        ? describeType(v)
        : operand instanceof Sensitive
        ? "a sensitive string"
        : `string ${JSON.stringify(v)}`;
      this.error(
        EvalCodes.invalidOperand,
        "Invalid operand",
        `Unsuitable value for ${side} operand: a number is required, got ${got}.`,
        range,
      );
    }
    return n;
  }

  operandBool(v: Value, range: Range, side: string): boolean | undefined {
    if (v === UNKNOWN) return undefined;
    const b = v === null ? undefined : convertToBool(v);
    if (b === undefined) {
      this.error(
        EvalCodes.invalidOperand,
        "Invalid operand",
        `Unsuitable value for ${side} operand: a bool is required, got ${describeType(v)}.`,
        range,
      );
    }
    return b;
  }

  logical(e: BinaryExpr): Value {
    const isAnd = e.op === "&&";
    const left = this.eval(e.left);
    const l = this.operandBool(unwrap(left), e.left.range, "left");
    // Short-circuit like HCL: a known deciding left operand settles the result.
    if (l !== undefined && l !== isAnd) return mark(l, left instanceof Sensitive);
    const right = this.eval(e.right);
    const r = this.operandBool(unwrap(right), e.right.range, "right");
    if (l === undefined || r === undefined) {
      if (r !== undefined && r !== isAnd && unwrap(left) === UNKNOWN) {
        return mark(r, right instanceof Sensitive);
      }
      return UNKNOWN;
    }
    return mark(r, left instanceof Sensitive || right instanceof Sensitive);
  }

  unary(op: "!" | "-", operand: Expression): Value {
    const v = this.eval(operand);
    const sensitive = v instanceof Sensitive;
    if (op === "-") {
      const n = this.operandNumber(v, operand.range, "unary");
      return n === undefined ? UNKNOWN : mark(-n, sensitive);
    }
    const b = this.operandBool(unwrap(v), operand.range, "unary");
    return b === undefined ? UNKNOWN : mark(!b, sensitive);
  }

  object(e: ObjectExpr): Value {
    const out: ValueObject = newObject();
    let unknown = false;
    let sensitive = false;
    for (const item of e.items) {
      let key: string | undefined;
      if (item.keyIsIdentifier && item.key.kind === "Variable") {
        key = item.key.name;
      } else {
        const kv = this.eval(item.key);
        if (kv instanceof Sensitive) sensitive = true;
        const raw = unwrap(kv);
        if (raw === UNKNOWN) unknown = true;
        else if (raw === null) {
          this.error(
            EvalCodes.objectKey,
            "Invalid object key",
            "The key expression produced a null value, but an object key must be a string.",
            item.key.range,
          );
          unknown = true;
        } else {
          key = convertToString(raw);
          if (key === undefined) {
            this.error(
              EvalCodes.objectKey,
              "Invalid object key",
              `The key expression must produce a string, got ${describeType(raw)}.`,
              item.key.range,
            );
            unknown = true;
          }
        }
      }
      const value = this.eval(item.value);
      if (key !== undefined) out[key] = value;
    }
    if (unknown) return UNKNOWN;
    return mark(out, sensitive);
  }

  /**
   * The keys to iterate for a for-collection: null for a tuple/list (keys are
   * indices), the sorted keys of an object/map, or undefined (with a
   * diagnostic) when the value cannot be iterated.
   */
  iterationKeys(collection: Value, range: Range, what: string): string[] | null | undefined {
    if (Array.isArray(collection)) return null;
    if (collection === null) {
      this.error(
        EvalCodes.forExpression,
        "Iteration over null value",
        `A null value cannot be used as the collection in ${what}.`,
        range,
      );
      return undefined;
    }
    if (typeof collection === "object") return sortedKeys(collection as ValueObject);
    this.error(
      EvalCodes.forExpression,
      "Iteration over non-iterable value",
      `A value of type ${describeType(collection)} cannot be used as the collection in ${what}.`,
      range,
    );
    return undefined;
  }

  forExpr(e: ForExpr): Value {
    const coll = this.eval(e.collection);
    if (coll === UNKNOWN) return UNKNOWN;
    let sensitive = coll instanceof Sensitive;
    const collection = unwrap(coll);
    if (collection === UNKNOWN) return UNKNOWN;
    const keys = this.iterationKeys(collection, e.collection.range, "a 'for' expression");
    if (keys === undefined) return UNKNOWN;
    const count = keys === null ? (collection as Value[]).length : keys.length;
    const names = this.scopeNames;
    const values = this.scopeValues;
    const depth = names.length;
    const hasKey = e.keyVar !== undefined;
    if (hasKey) {
      names.push(e.keyVar!);
      values.push(null);
    }
    names.push(e.valueVar);
    values.push(null);
    const valueSlot = hasKey ? depth + 1 : depth;
    // Keys and elements of a sensitive collection carry its mark into the body.
    const collectionSensitive = sensitive;
    const keyExpr = e.keyExpr;
    const condition = e.condition;
    let unknown = false;
    let failed = false;
    const tupleOut: Value[] | undefined = keyExpr ? undefined : [];
    const objectOut: ValueObject | undefined = keyExpr ? newObject() : undefined;
    for (let i = 0; i < count && !failed; i++) {
      if (keys === null) {
        if (hasKey) values[depth] = i;
        values[valueSlot] = (collection as Value[])[i];
      } else {
        if (hasKey) values[depth] = keys[i];
        values[valueSlot] = (collection as ValueObject)[keys[i]];
      }
      if (collectionSensitive) {
        if (hasKey) values[depth] = mark(values[depth], true);
        values[valueSlot] = mark(values[valueSlot], true);
      }
      if (condition) {
        const c = this.eval(condition);
        if (c instanceof Sensitive) sensitive = true;
        const raw = unwrap(c);
        if (raw === UNKNOWN) {
          unknown = true;
          continue;
        }
        const b = this.toBool(raw, condition.range, "Invalid 'for' condition", "The filter");
        if (b === undefined) failed = true;
        if (!b) continue;
      }
      if (tupleOut) {
        tupleOut.push(this.eval(e.valueExpr));
        continue;
      }
      const kv = this.eval(keyExpr!);
      const keySensitive = kv instanceof Sensitive;
      if (keySensitive) sensitive = true;
      const rawKey = unwrap(kv);
      const value = this.eval(e.valueExpr);
      if (rawKey === UNKNOWN) {
        unknown = true;
        continue;
      }
      const key = rawKey === null ? undefined : convertToString(rawKey);
      if (key === undefined) {
        this.error(
          EvalCodes.objectKey,
          "Invalid object key",
          `The key expression of a 'for' expression must produce a string, got ${
            describeType(rawKey)
          }.`,
          keyExpr!.range,
        );
        failed = true;
      } else if (e.group) {
        const existing = objectOut![key];
        if (Array.isArray(existing)) existing.push(value);
        else objectOut![key] = [value];
      } else if (hasOwn(objectOut!, key)) {
        this.error(
          EvalCodes.duplicateKey,
          "Duplicate object key",
          `Two different items produced the ${
            keySensitive ? "same sensitive key" : `key "${key}"`
          } in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.`,
          keyExpr!.range,
        );
        failed = true;
      } else {
        objectOut![key] = value;
      }
    }
    names.length = depth;
    values.length = depth;
    if (failed || unknown) return UNKNOWN;
    const out = tupleOut ?? objectOut!;
    return sensitive ? mark(out, true) : out;
  }

  template(e: TemplateExpr): Value {
    if (e instanceof PlainTemplateNode) return e.value;
    const parts = e.parts;
    if (parts.length === 1) {
      const only = parts[0];
      if (only.kind === "TemplateInterpolation") return this.eval(only.expr);
      if (only.kind === "TemplateLiteral") return only.value;
    }
    if (parts.length === 0) return "";
    const outerUnknown = this.templateUnknown;
    const outerSensitive = this.templateSensitive;
    this.templateUnknown = false;
    this.templateSensitive = false;
    const text = this.renderParts(parts);
    const unknown = this.templateUnknown;
    const sensitive = this.templateSensitive;
    this.templateUnknown = outerUnknown;
    this.templateSensitive = outerSensitive;
    if (unknown) return UNKNOWN;
    return sensitive ? mark(text, true) : text;
  }

  renderParts(parts: readonly TemplatePart[]): string {
    let out = "";
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p];
      switch (part.kind) {
        case "TemplateLiteral":
          out += part.value;
          break;
        case "TemplateInterpolation": {
          let raw = this.eval(part.expr);
          if (raw instanceof Sensitive) {
            this.templateSensitive = true;
            raw = raw.value;
          }
          if (typeof raw === "string") {
            out += raw;
            break;
          }
          if (raw === UNKNOWN) {
            this.templateUnknown = true;
            break;
          }
          if (raw === null) {
            this.error(
              EvalCodes.templateValue,
              "Invalid template interpolation value",
              "The expression result is null. Cannot include a null value in a string template.",
              part.expr.range,
            );
            this.templateUnknown = true;
            break;
          }
          const s = convertToString(raw);
          if (s === undefined) {
            this.error(
              EvalCodes.templateValue,
              "Invalid template interpolation value",
              `Cannot include the given value in a string template: string required, got ${
                describeType(raw)
              }.`,
              part.expr.range,
            );
            this.templateUnknown = true;
            break;
          }
          out += s;
          break;
        }
        case "TemplateIf": {
          const c = this.eval(part.condition);
          if (c instanceof Sensitive) this.templateSensitive = true;
          const raw = unwrap(c);
          if (raw === UNKNOWN) {
            this.templateUnknown = true;
            break;
          }
          const b = this.toBool(
            raw,
            part.condition.range,
            "Invalid template if directive",
            "The condition",
          );
          if (b === undefined) {
            this.templateUnknown = true;
            break;
          }
          if (b) out += this.renderParts(part.then);
          else if (part.else) out += this.renderParts(part.else);
          break;
        }
        case "TemplateFor": {
          const coll = this.eval(part.collection);
          if (coll instanceof Sensitive) this.templateSensitive = true;
          const collection = unwrap(coll);
          if (collection === UNKNOWN) {
            this.templateUnknown = true;
            break;
          }
          const keys = this.iterationKeys(
            collection,
            part.collection.range,
            "a template 'for' directive",
          );
          if (keys === undefined) {
            this.templateUnknown = true;
            break;
          }
          const names = this.scopeNames;
          const values = this.scopeValues;
          const depth = names.length;
          const hasKey = part.keyVar !== undefined;
          if (hasKey) {
            names.push(part.keyVar!);
            values.push(null);
          }
          names.push(part.valueVar);
          values.push(null);
          const valueSlot = hasKey ? depth + 1 : depth;
          const count = keys === null ? (collection as Value[]).length : keys.length;
          const collectionSensitive = coll instanceof Sensitive;
          for (let i = 0; i < count; i++) {
            if (keys === null) {
              if (hasKey) values[depth] = i;
              values[valueSlot] = (collection as Value[])[i];
            } else {
              if (hasKey) values[depth] = keys[i];
              values[valueSlot] = (collection as ValueObject)[keys[i]];
            }
            if (collectionSensitive) {
              if (hasKey) values[depth] = mark(values[depth], true);
              values[valueSlot] = mark(values[valueSlot], true);
            }
            out += this.renderParts(part.body);
          }
          names.length = depth;
          values.length = depth;
          break;
        }
      }
    }
    return out;
  }

  call(e: CallExpr): Value {
    // The parser keeps a namespaced name as written (`provider:: ns :: fn`).
    const name = e.name.includes("::") ? e.name.replace(/\s+/g, "") : e.name;
    // try and can need their arguments unevaluated, so the evaluator owns them.
    if (name === "try" || name === "can") {
      return name === "try" ? this.tryCall(e) : this.canCall(e);
    }
    // Every other function's result is re-marked when an argument was
    // sensitive; removing the mark is the one thing nonsensitive exists for.
    if (name === "nonsensitive") return this.nonsensitive(e);
    const fn = ownFunction(this.fns, name);
    if (fn === undefined) {
      for (const arg of e.args) this.eval(arg);
      return this.error(
        EvalCodes.unknownFunction,
        "Call to unknown function",
        `There is no function named "${name}".${didYouMean(name, Object.keys(this.fns))}`,
        e.nameRange,
      );
    }
    const exprs = e.args;
    const args: Value[] = [];
    let failed = false;
    let sensitive = false;
    for (let i = 0; i < exprs.length; i++) {
      const v = this.eval(exprs[i]);
      if (e.expandFinal && i === exprs.length - 1) {
        if (v instanceof Sensitive) sensitive = true;
        const raw = unwrap(v);
        if (raw === UNKNOWN) return UNKNOWN;
        if (raw === null || !Array.isArray(raw)) {
          this.error(
            EvalCodes.expandingArgument,
            "Invalid expanding argument value",
            `The expanding argument (indicated by ...) must be a list or tuple, got ${
              describeType(raw)
            }.`,
            exprs[i].range,
          );
          failed = true;
        } else {
          // The expanded items of a sensitive list are each sensitive.
          for (const item of raw) args.push(v instanceof Sensitive ? mark(item, true) : item);
        }
      } else {
        args.push(v);
      }
    }
    if (failed) return UNKNOWN;
    let flags = 0;
    for (const a of args) flags |= scanMarks(a);
    if ((flags & HAS_UNKNOWN) !== 0) {
      if (!acceptsUnknownElements(fn)) return UNKNOWN;
      for (const a of args) if (unwrap(a) === UNKNOWN) return UNKNOWN;
    }
    let markedArgs: Value[] | undefined;
    if ((flags & HAS_SENSITIVE) !== 0) {
      sensitive = true;
      markedArgs = args.slice();
      for (let i = 0; i < args.length; i++) args[i] = deepUnmark(args[i]);
    }
    // A call made from inside this one (templatefile evaluates a template) reuses the site.
    const site = this.callSite;
    const outerExpr = site.expr;
    const outerMarked = site.markedArgs;
    site.expr = e;
    site.markedArgs = markedArgs;
    try {
      const result = fn(args, site);
      if (typeof result === "number" && !Number.isFinite(result)) {
        throw new FunctionError(
          "the result is not a finite number (too large, or undefined like log(0)).",
          undefined,
          { withoutValues: "the result is not a finite number." },
        );
      }
      return sensitive ? mark(result, true) : result;
    } catch (err) {
      return this.callFailed(e, name, err, sensitive);
    } finally {
      site.expr = outerExpr;
      site.markedArgs = outerMarked;
    }
  }

  /**
   * The diagnostic of a failed call. When an argument was sensitive only a
   * message its function vouches for as quoting no value is shown (see
   * FunctionError), so no part of a secret reaches the output.
   */
  callFailed(e: CallExpr, name: string, err: unknown, sensitive: boolean): typeof UNKNOWN {
    const functionError = err instanceof FunctionError ? err : undefined;
    let message = functionError?.message ?? (err instanceof Error ? err.message : String(err));
    if (sensitive) {
      message = functionError?.withoutValues ??
        "the reason is not shown because it could reveal a sensitive argument";
    }
    const exprs = e.args;
    const argIndex = functionError?.argIndex;
    const subject = argIndex !== undefined && exprs.length > 0
      ? exprs[Math.min(argIndex, exprs.length - 1)].range
      : e.range;
    if (functionError?.summary !== undefined) {
      return this.error(EvalCodes.functionCall, functionError.summary, message, subject);
    }
    if (argIndex !== undefined && exprs.length > 0) {
      return this.error(EvalCodes.functionCall, "Invalid function argument", message, subject);
    }
    return this.error(
      EvalCodes.functionCall,
      "Error in function call",
      `Call to function "${name}" failed: ${message}`,
      subject,
    );
  }

  nonsensitive(e: CallExpr): Value {
    if (e.args.length !== 1 || e.expandFinal) {
      return this.error(
        EvalCodes.functionCall,
        "Invalid function call",
        `Function "nonsensitive" expects exactly 1 argument, got ${e.args.length}.`,
        e.range,
      );
    }
    return deepUnmark(this.eval(e.args[0]));
  }

  /** Evaluates `e` with its own diagnostics list, for try() and can(). */
  isolated(e: Expression): { value: Value; diags: Diagnostic[] } {
    const saved = this.diags;
    this.diags = [];
    const value = this.eval(e);
    const diags = this.diags;
    this.diags = saved;
    return { value, diags };
  }

  tryCall(e: CallExpr): Value {
    if (e.args.length === 0) {
      return this.error(
        EvalCodes.functionCall,
        "Not enough function arguments",
        `Function "try" expects at least 1 argument.`,
        e.range,
      );
    }
    const reasons: string[] = [];
    for (const arg of e.args) {
      const r = this.isolated(arg);
      if (!r.diags.some((d) => d.severity === "error")) {
        this.diags.push(...r.diags);
        if ((scanMarks(r.value) & HAS_UNKNOWN) !== 0) return UNKNOWN;
        return r.value;
      }
      for (const d of r.diags) {
        if (d.severity === "error") {
          reasons.push(d.detail ? `${d.summary}: ${d.detail}` : d.summary);
        }
      }
    }
    return this.error(
      EvalCodes.functionCall,
      "Error in function call",
      `Call to function "try" failed: no expression succeeded:\n- ${reasons.join("\n- ")}`,
      e.range,
    );
  }

  canCall(e: CallExpr): Value {
    if (e.args.length !== 1) {
      return this.error(
        EvalCodes.functionCall,
        "Invalid function call",
        `Function "can" expects exactly 1 argument, got ${e.args.length}.`,
        e.range,
      );
    }
    const r = this.isolated(e.args[0]);
    if (r.diags.some((d) => d.severity === "error")) return false;
    if ((scanMarks(r.value) & HAS_UNKNOWN) !== 0) return UNKNOWN;
    return true;
  }
}

/** One reference found in an expression: `var.port`, `file.index.path`, `each.key`. */
export interface Traversal {
  readonly root: string;
  /** Attribute names and literal index keys after the root, as far as they are static. */
  readonly path: readonly (string | number)[];
  readonly range: Range;
}

/**
 * A reference builds its range only when it is read: linking reads the
 * ranges of bad references only, and parsed nodes allocate one per read.
 */
class Reference implements Traversal {
  readonly root: string;
  readonly path: readonly (string | number)[];
  readonly #first: Expression;
  readonly #last: Expression;
  constructor(
    root: string,
    path: readonly (string | number)[],
    first: Expression,
    last: Expression,
  ) {
    this.root = root;
    this.path = path;
    this.#first = first;
    this.#last = last;
  }
  get range(): Range {
    const first = this.#first.range;
    if (this.#last === this.#first) return first;
    return { filename: first.filename, start: first.start, end: this.#last.range.end };
  }
  /** Walks back from the last static step, which is the node of `path.at(-1)`. */
  stepIsIndex(position: number): boolean {
    let node: Expression = this.#last;
    let at = this.path.length - 1;
    while (at > position && (node.kind === "GetAttr" || node.kind === "Index")) {
      node = node.object;
      at--;
    }
    return at === position && node.kind === "Index";
  }
}

/**
 * Whether step `position` of a reference's path was written as an index
 * (`module.a["x"]`, `a[0]`) rather than an attribute (`module.a.x`): the
 * path records both as the same key.
 */
export function isIndexStep(ref: Traversal, position: number): boolean {
  return ref instanceof Reference && ref.stepIsIndex(position);
}

const NO_PATH: readonly (string | number)[] = Object.freeze([]);
/** For-bound names while collecting; collecting never re-enters, so one list serves every call. */
const boundNames: string[] = [];
/** Traversal steps of the GetAttr/Index chains being collected, innermost on top. */
const chainSteps: (GetAttrExpr | IndexExpr | undefined)[] = [];
/** How many entries of chainSteps are in use; the list itself is never shrunk. */
let chainTop = 0;

/** Every variable reference in the expression, excluding names bound by for-expressions. */
export function referencesOf(expr: Expression): Traversal[] {
  const out: Traversal[] = [];
  referencesInto(expr, out);
  return out;
}

/** referencesOf() appending to the caller's list, so a caller linking many expressions can reuse one. */
export function referencesInto(expr: Expression, out: Traversal[]): void {
  boundNames.length = 0;
  chainTop = 0;
  collectReferences(expr, boundNames, out);
}

/** The static key of an index expression (`[0]`, `["a"]`), if it is one. */
function staticKey(e: Expression): string | number | undefined {
  if (e.kind === "Literal" && typeof e.value === "number") return e.value;
  if (e instanceof PlainTemplateNode) return e.value;
  if (e.kind === "Template" && e.parts.length === 1 && e.parts[0].kind === "TemplateLiteral") {
    return e.parts[0].value;
  }
  if (e.kind === "Template" && e.parts.length === 0) return "";
  return undefined;
}

function collectChain(e: GetAttrExpr | IndexExpr, bound: string[], out: Traversal[]): void {
  // Stack the steps from the outside in, above any chain being collected around this one.
  const steps = chainSteps;
  const base = chainTop;
  let node: Expression = e;
  while (node.kind === "GetAttr" || node.kind === "Index") {
    steps[chainTop++] = node;
    node = node.object;
  }
  const top = chainTop - 1;
  if (node.kind !== "Variable") {
    collectReferences(node, bound, out);
    for (let i = base; i <= top; i++) {
      const s = steps[i]!;
      if (s.kind === "Index") collectReferences(s.key, bound, out);
    }
    popChain(base, top);
    return;
  }
  let path: readonly (string | number)[] = NO_PATH;
  let last: Expression = node;
  let static_ = true;
  // Nested collection stacks above `top` and pops back, so indices up to it stay valid.
  for (let i = top; i >= base; i--) {
    const s = steps[i]!;
    if (s.kind === "Index") collectReferences(s.key, bound, out);
    if (!static_) continue;
    if (s.kind === "GetAttr") path = withStep(path, s.name);
    else {
      const k = staticKey(s.key);
      if (k === undefined) {
        static_ = false;
        continue;
      }
      path = withStep(path, k);
    }
    last = s;
  }
  popChain(base, top);
  if (!bound.includes(node.name)) out.push(new Reference(node.name, path, node, last));
}

/** Pops the steps base…top, leaving no AST node behind in the shared list. */
function popChain(base: number, top: number): void {
  for (let i = base; i <= top; i++) chainSteps[i] = undefined;
  chainTop = base;
}

/** `path` with `step` appended; short paths are built at their exact size (push reserves 17 slots). */
function withStep(
  path: readonly (string | number)[],
  step: string | number,
): readonly (string | number)[] {
  switch (path.length) {
    case 0:
      return [step];
    case 1:
      return [path[0], step];
    case 2:
      return [path[0], path[1], step];
    default:
      (path as (string | number)[]).push(step);
      return path;
  }
}

function collectReferences(e: Expression, bound: string[], out: Traversal[]): void {
  switch (e.kind) {
    case "Literal":
    case "SplatItem":
      return;
    case "Variable":
      if (!bound.includes(e.name)) out.push(new Reference(e.name, NO_PATH, e, e));
      return;
    case "GetAttr":
    case "Index":
      collectChain(e, bound, out);
      return;
    case "Splat":
      collectReferences(e.source, bound, out);
      collectReferences(e.each, bound, out);
      return;
    case "Template":
      if (e instanceof PlainTemplateNode) return;
      collectTemplateReferences(e.parts, bound, out);
      return;
    case "Call": {
      const args = e.args;
      for (let i = 0; i < args.length; i++) collectReferences(args[i], bound, out);
      return;
    }
    case "Conditional":
      collectReferences(e.condition, bound, out);
      collectReferences(e.then, bound, out);
      collectReferences(e.else, bound, out);
      return;
    case "Binary":
      collectReferences(e.left, bound, out);
      collectReferences(e.right, bound, out);
      return;
    case "Unary":
      collectReferences(e.operand, bound, out);
      return;
    case "Tuple": {
      const items = e.items;
      for (let i = 0; i < items.length; i++) collectReferences(items[i], bound, out);
      return;
    }
    case "Object":
      for (const item of e.items) {
        if (!(item.keyIsIdentifier && item.key.kind === "Variable")) {
          collectReferences(item.key, bound, out);
        }
        collectReferences(item.value, bound, out);
      }
      return;
    case "For": {
      collectReferences(e.collection, bound, out);
      const depth = bound.length;
      if (e.keyVar !== undefined) bound.push(e.keyVar);
      bound.push(e.valueVar);
      if (e.keyExpr) collectReferences(e.keyExpr, bound, out);
      collectReferences(e.valueExpr, bound, out);
      if (e.condition) collectReferences(e.condition, bound, out);
      bound.length = depth;
      return;
    }
    case "Parens":
      collectReferences(e.expr, bound, out);
      return;
  }
}

function collectTemplateReferences(
  parts: readonly TemplatePart[],
  bound: string[],
  out: Traversal[],
): void {
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    switch (p.kind) {
      case "TemplateLiteral":
        break;
      case "TemplateInterpolation":
        collectReferences(p.expr, bound, out);
        break;
      case "TemplateIf":
        collectReferences(p.condition, bound, out);
        collectTemplateReferences(p.then, bound, out);
        if (p.else) collectTemplateReferences(p.else, bound, out);
        break;
      case "TemplateFor": {
        collectReferences(p.collection, bound, out);
        const depth = bound.length;
        if (p.keyVar !== undefined) bound.push(p.keyVar);
        bound.push(p.valueVar);
        collectTemplateReferences(p.body, bound, out);
        bound.length = depth;
        break;
      }
    }
  }
}
