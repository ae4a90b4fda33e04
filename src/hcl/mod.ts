/**
 * A general HCL2 (native syntax) library: lexer, parser, evaluator, function
 * library, formatter, hcl2json conversion and diagnostics. It imports nothing
 * else from Clockwork.
 */
import type { Expression } from "./ast.ts";
import { PlainTemplateNode } from "./_nodes.ts";

export type * from "./ast.ts";
export { joinRanges, makeRange, type Position, type Range, SourceFile } from "./source.ts";
export {
  type DecodedSource,
  decodeSource,
  firstInvalidUtf8Byte,
  INVALID_ENCODING,
  utf8Text,
} from "./_decode.ts";
export {
  type Diagnostic,
  diagnosticToJson,
  error,
  hasErrors,
  type JsonDiagnostic,
  type JsonRange,
  jsonRange,
  type Paint,
  plain,
  renderDiagnostic,
  renderDiagnostics,
  type RenderOptions,
  type Result,
  type Severity,
  SNIPPET_COLUMNS,
  type SourceLookup,
  sourceMap,
  type Style,
  warning,
} from "./diagnostics.ts";
export { displayWidth } from "./_width.ts";
export {
  containsUnknown,
  isObject,
  isSensitive,
  isUnknown,
  Sensitive,
  typeName,
  UNKNOWN,
  Unknown,
  unmark,
  type Value,
  type ValueObject,
} from "./value.ts";
export { parse, parseExpression, type ParseResult } from "./parser.ts";
export {
  type CallInfo,
  type EvalContext,
  evaluate,
  evaluateInto,
  FunctionError,
  type HclFunction,
  isIndexStep,
  referencesInto,
  referencesOf,
  type Traversal,
} from "./eval.ts";
export { standardFunctions } from "./functions.ts";
export { compileRe2, Re2, type Re2Options, Re2SyntaxError } from "./_re2.ts";
export { format } from "./format.ts";
export { toHcl2Json } from "./hcl2json.ts";
export { didYouMean, suggestName } from "./_eval_values.ts";

/**
 * The text of a quoted string without interpolations or directives, or
 * undefined for any other expression: the common case callers can take
 * without walking or evaluating the expression.
 */
export function plainStringOf(expr: Expression): string | undefined {
  return expr instanceof PlainTemplateNode ? expr.value : undefined;
}
export { maskable, maskSecrets } from "./_mask.ts";
