// STUB: replaced by the HCL parser work (issue 3).
import type { Body } from "./ast.ts";
import type { Diagnostic } from "./diagnostics.ts";

export interface ParseResult {
  readonly body: Body;
  readonly diagnostics: Diagnostic[];
}

/** Parses a whole file. Never throws; every problem is a diagnostic. */
export function parse(_source: string, filename: string): ParseResult {
  const range = { filename, start: 0, end: 0 };
  return {
    body: { kind: "Body", items: [], range },
    diagnostics: [{ severity: "error", code: "CW1000", summary: "HCL parser not implemented yet" }],
  };
}

/** Parses a standalone expression (for `--var` values and tests). */
export function parseExpression(source: string, filename: string): {
  expr: import("./ast.ts").Expression;
  diagnostics: Diagnostic[];
} {
  return {
    expr: { kind: "Literal", value: null, range: { filename, start: 0, end: source.length } },
    diagnostics: [{ severity: "error", code: "CW1000", summary: "HCL parser not implemented yet" }],
  };
}
