import type { Diagnostic } from "../../hcl/mod.ts";

/**
 * Built locally (type-only import of hcl) so plugin bundles that import the
 * protocol do not pull the HCL library in.
 */
export function pluginDiagnostic(code: string, summary: string, detail?: string): Diagnostic {
  return { severity: "error", code, summary, ...(detail !== undefined ? { detail } : {}) };
}
