/**
 * FunctionError lives in this leaf module (re-exported by eval.ts) so the
 * function library can import it without an import cycle through eval.ts.
 */
export class FunctionError extends Error {
  /** Index of the offending argument, so the diagnostic can point at it. */
  readonly argIndex?: number;

  constructor(message: string, argIndex?: number) {
    // A FunctionError becomes a diagnostic, never a stack trace: capturing one
    // made failing calls cost more than the rest of evaluation together.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.argIndex = argIndex;
  }
}
