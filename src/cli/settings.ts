/**
 * Settings: AI provider/model/base URL/API key, log level, state backend.
 *
 * Precedence, lowest to highest (CLI.md): built-in defaults < the
 * `clockwork {}` block < `.env` in the configuration directory < `CLOCKWORK_*`
 * environment variables < command-line flags. Each value remembers where it
 * came from, so `ai status` can say why it talks to the server it does.
 */
import { join } from "node:path";
import type { Config } from "../config/mod.ts";
import { type Diagnostic, error, type Range, SourceFile, warning } from "../hcl/mod.ts";
import { isLogLevel, type LogLevel } from "./arguments/globals.ts";
import type { GlobalOptions } from "./commands/_types.ts";

export type SettingSource = "default" | "clockwork block" | ".env" | "environment" | "flag";

/** The `clockwork {}` block as plain values (the configuration stage evaluates it). */
export interface SettingsBlock {
  readonly required_version?: string;
  readonly ai?: {
    readonly provider?: string;
    readonly model?: string;
    readonly base_url?: string;
    readonly api_key?: string;
  };
  readonly state?: {
    readonly backend?: string;
    readonly path?: string;
    readonly [key: string]: unknown;
  };
}

/** The `clockwork {}` block of a loaded configuration, as settings take it. */
export function settingsBlockOf(config: Config | undefined): SettingsBlock {
  const s = config?.settings;
  return {
    ...(s?.requiredVersion ? { required_version: s.requiredVersion } : {}),
    ...(s?.ai
      ? {
        ai: {
          ...(s.ai.provider ? { provider: s.ai.provider } : {}),
          ...(s.ai.model ? { model: s.ai.model } : {}),
          ...(s.ai.baseUrl ? { base_url: s.ai.baseUrl } : {}),
        },
      }
      : {}),
    ...(s?.state
      ? {
        state: {
          ...(s.state.backend ? { backend: s.state.backend } : {}),
          ...(s.state.path ? { path: s.state.path } : {}),
        },
      }
      : {}),
  };
}

export interface Settings {
  /** ollama, openai, none (or an AI plugin's name). */
  readonly aiProvider: string;
  readonly model: string;
  /** Empty for provider none. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly logLevel: LogLevel;
  readonly stateBackend: string;
  readonly statePath: string;
  /** Further attributes of `clockwork { state { … } }` for backends that need them. */
  readonly stateOptions: Readonly<Record<string, unknown>>;
  readonly requiredVersion?: string;
  readonly sources: Readonly<Record<SettingName, SettingSource>>;
}

export type SettingName =
  | "aiProvider"
  | "model"
  | "baseUrl"
  | "apiKey"
  | "logLevel"
  | "stateBackend"
  | "statePath";

export const DEFAULT_BASE_URLS: Readonly<Record<string, string>> = {
  ollama: "http://127.0.0.1:11434",
  openai: "http://127.0.0.1:1234/v1",
  none: "",
};

const DEFAULTS = {
  aiProvider: "ollama",
  model: "qwen3:4b",
  logLevel: "warn",
  stateBackend: "file",
  statePath: ".clockwork/state.json",
} as const;

/** The environment (and .env) names of the settings they can set. */
export const SETTING_ENV_NAMES: Readonly<Record<string, SettingName>> = {
  CLOCKWORK_AI_PROVIDER: "aiProvider",
  CLOCKWORK_MODEL: "model",
  CLOCKWORK_BASE_URL: "baseUrl",
  CLOCKWORK_API_KEY: "apiKey",
  CLOCKWORK_LOG_LEVEL: "logLevel",
};

/** The command-line flag of each setting that has one. */
const SETTING_FLAGS: Readonly<Partial<Record<SettingName, string>>> = {
  aiProvider: "--ai-provider",
  model: "--model",
  baseUrl: "--base-url",
  logLevel: "--log-level",
};

const BLOCK_ATTRIBUTES: Readonly<Partial<Record<SettingName, string>>> = {
  aiProvider: "ai.provider",
  model: "ai.model",
  baseUrl: "ai.base_url",
  apiKey: "ai.api_key",
  stateBackend: "state.backend",
  statePath: "state.path",
};

/** Where a value was set, precisely enough for a user to find it. */
interface Origin {
  /** "CLOCKWORK_LOG_LEVEL in the environment", "--log-level", … */
  readonly text: string;
  /** The value in `.env`, for a caret. */
  readonly range?: Range;
}

export type SettingFlags = Pick<
  Partial<GlobalOptions>,
  "aiProvider" | "model" | "baseUrl" | "logLevel" | "noAi"
>;

export interface SettingsInput {
  readonly block?: SettingsBlock;
  /** Text of `.env` in the configuration directory, if there is one. */
  readonly dotenvText?: string;
  /** Name used for `.env` in diagnostics. */
  readonly dotenvFilename?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: SettingFlags;
}

export function resolveSettings(
  input: SettingsInput,
): { value: Settings; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const values: Partial<Record<SettingName, string>> = {};
  const sources: Record<SettingName, SettingSource> = {
    aiProvider: "default",
    model: "default",
    baseUrl: "default",
    apiKey: "default",
    logLevel: "default",
    stateBackend: "default",
    statePath: "default",
  };
  const origins: Partial<Record<SettingName, Origin>> = {};
  const set = (
    name: SettingName,
    value: string | undefined,
    source: SettingSource,
    origin: Origin,
  ) => {
    if (value === undefined) return;
    values[name] = value;
    sources[name] = source;
    origins[name] = origin;
  };

  const block = input.block ?? {};
  const fromBlock = (name: SettingName) => ({
    text: `${BLOCK_ATTRIBUTES[name]} in the clockwork block`,
  });
  set("aiProvider", block.ai?.provider, "clockwork block", fromBlock("aiProvider"));
  set("model", block.ai?.model, "clockwork block", fromBlock("model"));
  set("baseUrl", block.ai?.base_url, "clockwork block", fromBlock("baseUrl"));
  set("apiKey", block.ai?.api_key, "clockwork block", fromBlock("apiKey"));
  set("stateBackend", block.state?.backend, "clockwork block", fromBlock("stateBackend"));
  set("statePath", block.state?.path, "clockwork block", fromBlock("statePath"));

  if (input.dotenvText !== undefined) {
    const filename = input.dotenvFilename ?? ".env";
    const parsed = parseDotenv(input.dotenvText, filename);
    diagnostics.push(...parsed.diagnostics);
    for (const [key, name] of Object.entries(SETTING_ENV_NAMES)) {
      set(name, parsed.value[key], ".env", {
        // The caret's location line gives the whole path.
        text: `${key} in .env`,
        ...(parsed.ranges[key] ? { range: parsed.ranges[key] } : {}),
      });
    }
  }
  for (const [key, name] of Object.entries(SETTING_ENV_NAMES)) {
    const value = input.env?.[key];
    if (value !== undefined && value !== "") {
      set(name, value, "environment", { text: `${key} in the environment` });
    }
  }
  const flags = input.flags ?? {};
  const fromFlag = (name: SettingName) => ({ text: SETTING_FLAGS[name]! });
  set("aiProvider", flags.aiProvider, "flag", fromFlag("aiProvider"));
  set("model", flags.model, "flag", fromFlag("model"));
  set("baseUrl", flags.baseUrl, "flag", fromFlag("baseUrl"));
  set("logLevel", flags.logLevel, "flag", fromFlag("logLevel"));
  if (flags.noAi) set("aiProvider", "none", "flag", { text: "--no-ai" });

  const invalid = (code: string, summary: string, name: SettingName, expected: string) => {
    const origin = origins[name];
    diagnostics.push(error(code, summary, origin?.range, {
      detail: `set by ${origin?.text ?? sources[name]}; expected ${expected}`,
    }));
  };
  let logLevel = values.logLevel ?? DEFAULTS.logLevel;
  if (!isLogLevel(logLevel)) {
    invalid("CW9011", `Invalid log level "${logLevel}"`, "logLevel", "debug, info, warn or error");
    logLevel = DEFAULTS.logLevel;
    sources.logLevel = "default";
  }
  const aiProvider = values.aiProvider ?? DEFAULTS.aiProvider;
  if (aiProvider === "") {
    invalid("CW9012", "Empty AI provider", "aiProvider", "ollama, openai, none or an AI plugin");
  }
  const settings: Settings = {
    aiProvider,
    model: values.model ?? DEFAULTS.model,
    baseUrl: values.baseUrl ?? DEFAULT_BASE_URLS[aiProvider] ?? "",
    ...(values.apiKey !== undefined ? { apiKey: values.apiKey } : {}),
    logLevel: logLevel as LogLevel,
    stateBackend: values.stateBackend ?? DEFAULTS.stateBackend,
    statePath: values.statePath ?? DEFAULTS.statePath,
    stateOptions: Object.fromEntries(
      Object.entries(block.state ?? {}).filter(([k]) => k !== "backend" && k !== "path"),
    ),
    ...(block.required_version !== undefined ? { requiredVersion: block.required_version } : {}),
    sources,
  };
  return { value: settings, diagnostics };
}

/**
 * `.env` lines: `KEY=VALUE`, optional `export ` prefix, `#` comments (whole
 * line, or after unquoted values when preceded by a space), single quotes
 * (literal), double quotes (with \n, \t, \", \\ escapes). Malformed lines are
 * warnings and are skipped.
 */
export function parseDotenv(
  text: string,
  filename = ".env",
): {
  value: Record<string, string>;
  /** Where each key's value is written (the whole assignment when the value is empty). */
  ranges: Record<string, Range>;
  diagnostics: Diagnostic[];
} {
  const value: Record<string, string> = {};
  const ranges: Record<string, Range> = {};
  const diagnostics: Diagnostic[] = [];
  let offset = 0;
  for (const rawLine of text.split("\n")) {
    const lineStart = offset;
    offset += rawLine.length + 1;
    const line = rawLine.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      diagnostics.push(
        warning("CW9013", "Line in .env is not KEY=VALUE; ignored", {
          filename,
          start: lineStart,
          end: lineStart + rawLine.replace(/\r$/, "").length,
        }),
      );
      continue;
    }
    const [, key, rest] = match;
    const parsed = dotenvValue(rest);
    if (parsed === undefined) {
      diagnostics.push(
        warning("CW9013", `Unterminated quote in .env value of ${key}; ignored`, {
          filename,
          start: lineStart,
          end: lineStart + rawLine.replace(/\r$/, "").length,
        }),
      );
      continue;
    }
    value[key] = parsed;
    const assignmentStart = lineStart + rawLine.length - rawLine.trimStart().length;
    const valueStart = assignmentStart + line.length - rest.length;
    const written = writtenLength(rest, parsed);
    ranges[key] = written > 0
      ? { filename, start: valueStart, end: valueStart + written }
      : { filename, start: assignmentStart, end: assignmentStart + line.length };
  }
  return { value, ranges, diagnostics };
}

/** How many characters of `raw` the value takes, quotes included (not a trailing comment). */
function writtenLength(raw: string, value: string): number {
  if (raw[0] === "'") return raw.indexOf("'", 1) + 1;
  if (raw[0] !== '"') return value.length;
  for (let i = 1; i < raw.length; i++) {
    if (raw[i] === "\\") i++;
    else if (raw[i] === '"') return i + 1;
  }
  return raw.length;
}

function dotenvValue(raw: string): string | undefined {
  const quote = raw[0];
  if (quote === "'" || quote === '"') {
    const end = raw.indexOf(quote, 1);
    if (quote === "'") return end < 0 ? undefined : raw.slice(1, end);
    let out = "";
    for (let i = 1; i < raw.length; i++) {
      const c = raw[i];
      if (c === '"') return out;
      if (c === "\\" && i + 1 < raw.length) {
        const next = raw[++i];
        out += next === "n" ? "\n" : next === "t" ? "\t" : next === "r" ? "\r" : next;
      } else out += c;
    }
    return undefined;
  }
  return raw.replace(/\s+#.*$/, "").trim();
}

/** What `readSettings` takes. */
export interface LoadSettingsOptions {
  readonly configDir: string;
  readonly block?: SettingsBlock;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly globals: SettingFlags;
}

/**
 * Reads `.env` from the configuration directory (if present) and resolves the
 * settings for a command. `block` comes from the loaded configuration.
 * Synchronous, so the configuration loader (itself synchronous) checks them.
 */
export function readSettings(
  options: LoadSettingsOptions,
): { value: Settings; diagnostics: Diagnostic[]; dotenv?: SourceFile } {
  const dotenvPath = join(options.configDir, ".env");
  let dotenvText: string | undefined;
  try {
    dotenvText = Deno.readTextFileSync(dotenvPath);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      return {
        ...resolveSettings({ block: options.block, env: options.env, flags: options.globals }),
        diagnostics: [
          warning("CW9014", `Cannot read ${dotenvPath}; ignored`, undefined, {
            detail: e instanceof Error ? e.message : String(e),
          }),
        ],
      };
    }
  }
  const result = resolveSettings({
    block: options.block,
    dotenvText,
    dotenvFilename: dotenvPath,
    env: options.env,
    flags: options.globals,
  });
  return dotenvText === undefined
    ? result
    : { ...result, dotenv: new SourceFile(dotenvPath, dotenvText) };
}
