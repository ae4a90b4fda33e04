/**
 * Public surface of src/forge: plan → artifact bundle (templates per resource
 * type), bundle validation and the security scan, and writing the bundle to
 * `.clockwork/build/`.
 */
export * from "./types.ts";
export {
  buildDirOf,
  compileBundle,
  type CompileOptions,
  DEFAULT_TIMEOUT_MS,
  planDigest,
} from "./_compile.ts";
export {
  artifactPathProblem,
  buildDirProblems,
  validateBundle,
  verifyWrittenBundle,
} from "./_validate.ts";
export { artifactBytes, tooBroad } from "./_template_support.ts";
export { scanArtifact, type ScanContext } from "./_scan.ts";
export { writeBundle } from "./_write.ts";
export {
  BASE_RUNTIMES,
  type ResourceTemplate,
  type StepParts,
  type TemplateContext,
  type TemplateResult,
  TEMPLATES,
} from "./_templates.ts";
export { COMMAND_SCRIPT } from "./_template_command.ts";
export {
  REMOTE_MKDIR_SCRIPT,
  REMOTE_MODE_PREFIX,
  REMOTE_REMOVE_SCRIPT,
  REMOTE_WRITE_BASE64_FILE_SCRIPT,
  REMOTE_WRITE_FILE_SCRIPT,
  remoteStepNotes,
  SCRIPT_ENV,
  SCRIPT_LOADERS,
} from "./_remote.ts";
export { TASK_GUARD_SCRIPT } from "./_template_task.ts";
