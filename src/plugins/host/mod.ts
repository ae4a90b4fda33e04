/**
 * The plugin host: the only place that creates Workers. Starts plugins from
 * verified bytes with exactly their granted permissions, and installs,
 * lists, removes and verifies plugins recorded in `clockwork.lock`.
 */
export {
  type BuiltinPlugin,
  type LogLevel,
  PluginHost,
  type PluginHostOptions,
  type PluginRecord,
  workerPermissions,
} from "./_host.ts";
export { PROLOGUE, screenBundle } from "./_confine.ts";
export {
  type FetchedPlugin,
  fetchPlugin,
  type InstalledPlugin,
  type InstallOptions,
  installPlugin,
  listPlugins,
  removePlugin,
  verifyPlugins,
  type VerifyResult,
} from "./_install.ts";
export { installedDir, installedEntryPath, PLUGINS_DIR } from "./_paths.ts";
