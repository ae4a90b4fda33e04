/**
 * INTAKE: `.cw` files of a directory (and the local modules they call) plus
 * variable values → the validated IR (`Config`) and diagnostics.
 */
export * from "./types.ts";
export {
  canonicalJson,
  DEFAULT_TIMEOUT_MS,
  loadConfig,
  type LoadOptions,
  type LoadResult,
} from "./_lower.ts";
export {
  type ArgSpec,
  argumentsSchema,
  ASSERT_SPECS,
  type AssertKindSpec,
  IMAGE_REFERENCE,
  META_ARGUMENTS,
  RESOURCE_TYPE_NAMES,
  RESOURCE_TYPES,
  type ResourceTypeSpec,
} from "./_schemas.ts";
export { parseDurationText } from "./_duration.ts";
export {
  addressSortKey,
  type AddressStep,
  addressSteps,
  compareAddresses,
  didYouMean,
  sortAddresses,
} from "./_names.ts";
// Diagnostics are part of this stage's results; later stages (plan) build theirs with the same helpers.
export { type Diagnostic, error, type Result, SourceFile, warning } from "../hcl/mod.ts";
