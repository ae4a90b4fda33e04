/**
 * ASSEMBLY: the dependency graph, the diff of desired against recorded and
 * observed state, the ordered steps, and plan rendering and plan files.
 */
export * from "./types.ts";
export {
  baseAddress,
  checkTargetAddress,
  deposedAddress,
  makePlan,
  matchesTarget,
  type PlanOptions,
  SENSITIVE,
  shellWord,
} from "./_diff.ts";
export { topologicalOrder, type TopoResult } from "./_order.ts";
export { dependencyGraph, type GraphDocument, renderDot } from "./_graph.ts";
export { formatValue, planDocument, renderPlan, type RenderPlanOptions } from "./render.ts";
export {
  checkPlanFileFresh,
  isPlanFile,
  PLAN_FILE_KIND,
  planFileDocument,
  readPlanFile,
  serializePlanFile,
} from "./_planfile.ts";
export {
  GraphDocumentSchema,
  JsonDiagnosticSchema,
  JsonRangeSchema,
  PlanDocumentSchema,
  ValidateDocumentSchema,
} from "./documents.ts";
