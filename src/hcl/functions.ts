// STUB: replaced by the HCL function library work (issue 3).
import type { HclFunction } from "./eval.ts";

export const standardFunctions: Readonly<Record<string, HclFunction>> = {};
