/**
 * FunctionError lives in this leaf module (re-exported by eval.ts) so the
 * function library can import it without an import cycle through eval.ts.
 */
export class FunctionError extends Error {
  /** Index of the offending argument, so the diagnostic can point at it. */
  readonly argIndex?: number;
  /**
   * The message with no part of any argument's value in it, shown instead of
   * `message` when an argument was sensitive. Without it such a call's
   * failure is reported without a reason: a message is assumed to quote
   * values unless its author says otherwise.
   */
  readonly withoutValues?: string;
  /** The diagnostic's summary when it is not the evaluator's usual one for a failed call. */
  readonly summary?: string;

  constructor(
    message: string,
    argIndex?: number,
    options: { readonly withoutValues?: string; readonly summary?: string } = {},
  ) {
    // A FunctionError becomes a diagnostic, never a stack trace: capturing one
    // made failing calls cost more than the rest of evaluation together.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.argIndex = argIndex;
    this.withoutValues = options.withoutValues;
    this.summary = options.summary;
  }
}
