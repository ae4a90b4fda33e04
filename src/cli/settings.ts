/**
 * Settings: AI provider/model/base URL/API key, log level, state backend.
 *
 * Precedence, lowest to highest (CLI.md): built-in defaults < the
 * `clockwork {}` block < `.env` in the configuration directory < `CLOCKWORK_*`
 * environment variables < command-line flags. Each value remembers where it
 * came from, so `ai status` can say why it talks to the server it does.
 */
import { join } from "node:path";
import { type Diagnostic, error, SourceFile, warning } from "../hcl/mod.ts";
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
  const set = (name: SettingName, value: string | undefined, source: SettingSource) => {
    if (value === undefined) return;
    values[name] = value;
    sources[name] = source;
  };

  const block = input.block ?? {};
  set("aiProvider", block.ai?.provider, "clockwork block");
  set("model", block.ai?.model, "clockwork block");
  set("baseUrl", block.ai?.base_url, "clockwork block");
  set("apiKey", block.ai?.api_key, "clockwork block");
  set("stateBackend", block.state?.backend, "clockwork block");
  set("statePath", block.state?.path, "clockwork block");

  if (input.dotenvText !== undefined) {
    const parsed = parseDotenv(input.dotenvText, input.dotenvFilename ?? ".env");
    diagnostics.push(...parsed.diagnostics);
    for (const [key, name] of Object.entries(SETTING_ENV_NAMES)) {
      set(name, parsed.value[key], ".env");
    }
  }
  for (const [key, name] of Object.entries(SETTING_ENV_NAMES)) {
    const value = input.env?.[key];
    if (value !== undefined && value !== "") set(name, value, "environment");
  }
  const flags = input.flags ?? {};
  set("aiProvider", flags.aiProvider, "flag");
  set("model", flags.model, "flag");
  set("baseUrl", flags.baseUrl, "flag");
  set("logLevel", flags.logLevel, "flag");
  if (flags.noAi) set("aiProvider", "none", "flag");

  let logLevel = values.logLevel ?? DEFAULTS.logLevel;
  if (!isLogLevel(logLevel)) {
    diagnostics.push(
      error("CW9011", `Invalid log level "${logLevel}"`, undefined, {
        detail: `set by ${sources.logLevel}; expected debug, info, warn or error`,
      }),
    );
    logLevel = DEFAULTS.logLevel;
    sources.logLevel = "default";
  }
  const aiProvider = values.aiProvider ?? DEFAULTS.aiProvider;
  if (aiProvider === "") {
    diagnostics.push(error("CW9012", "Empty AI provider", undefined, {
      detail: `set by ${sources.aiProvider}; expected ollama, openai or none`,
    }));
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
): { value: Record<string, string>; diagnostics: Diagnostic[] } {
  const value: Record<string, string> = {};
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
  }
  return { value, diagnostics };
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

/**
 * Reads `.env` from the configuration directory (if present) and resolves the
 * settings for a command. `block` comes from the loaded configuration.
 */
export async function loadSettings(options: {
  readonly configDir: string;
  readonly block?: SettingsBlock;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly globals: SettingFlags;
}): Promise<{ value: Settings; diagnostics: Diagnostic[]; dotenv?: SourceFile }> {
  const dotenvPath = join(options.configDir, ".env");
  let dotenvText: string | undefined;
  try {
    dotenvText = await Deno.readTextFile(dotenvPath);
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
