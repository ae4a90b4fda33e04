/**
 * The command line: `runCli` is the whole program; main.ts only exits with its
 * result. Commands live in commands/ (one file each, listed in _table.ts),
 * shared rendering in views/, argument handling in arguments/.
 */
export { runCli } from "./run.ts";
export { bufferIo, realIo } from "./io.ts";
export { createContext, diagnosticSummary } from "./context.ts";
export {
  parseDotenv,
  readSettings,
  resolveSettings,
  type Settings,
  type SettingsBlock,
  type SettingSource,
} from "./settings.ts";
export type { Command, CommandContext, GlobalOptions, Io, OptionSpec } from "./commands/_types.ts";
