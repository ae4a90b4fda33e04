/**
 * The plugin protocol: manifest and lock file schemas, request/response
 * messages and errors, the contract of each plugin kind, and the SDK plugins
 * bundle (`definePlugin`). Imports only src/hcl.
 */
export { pluginDiagnostic } from "./_diagnostic.ts";
export {
  describeIssues,
  describePermissions,
  type Manifest,
  MANIFEST_FILE,
  ManifestSchema,
  normalizePermissions,
  parseManifest,
  PERMISSION_KINDS,
  type PermissionKind,
  type Permissions,
  PermissionsSchema,
  PLUGIN_KINDS,
  type PluginKind,
  PluginNameSchema,
  SDK_VERSION,
} from "./_manifest.ts";
export {
  CrashSchema,
  INITIALIZE,
  type InitializeParams,
  InitializeResultSchema,
  type LogMessage,
  LogSchema,
  PluginError,
  type PluginFailure,
  REMOTE_ERROR_CODES,
  type RemoteErrorCode,
  type Request,
  type Response,
  ResponseSchema,
} from "./_messages.ts";
export {
  type AiProvider,
  type CallOptions,
  type ChatMessage,
  contractOf,
  CONTRACTS,
  type Contracts,
  type LockInfo,
  type MethodName,
  methodsOf,
  type Observation,
  type ObservedResource,
  type ParamsOf,
  type PluginClient,
  type ResultOf,
  type Runner,
  type StateBackend,
  type Step,
  type StepResult,
} from "./_contracts.ts";
export {
  definePlugin,
  type PluginContext,
  type PluginDefinition,
  type PluginHandlers,
  RequestError,
} from "./_sdk.ts";
export {
  emptyLock,
  LOCK_FILE,
  LOCK_FORMAT_VERSION,
  type LockedPlugin,
  LockedPluginSchema,
  type LockFile,
  LockFileSchema,
  lockPath,
  readLock,
  serializeLock,
  sha256Hex,
  writeFileAtomic,
  writeLock,
} from "./_lock.ts";
