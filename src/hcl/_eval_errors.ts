/**
 * FunctionError lives in this leaf module (re-exported by eval.ts) so the
 * function library can import it without an import cycle through eval.ts.
 */
export class FunctionError extends Error {
  /** Index of the offending argument, so the diagnostic can point at it. */
  constructor(message: string, readonly argIndex?: number) {
    super(message);
  }
}
