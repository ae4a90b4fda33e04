/** The flags every command accepts, before or after the command name. */
import type { GlobalOptions, OptionSpec } from "../commands/_types.ts";

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  chdir: {
    type: "string",
    short: "C",
    valueName: "DIR",
    description: "run as if started in DIR",
  },
  json: { type: "boolean", description: "machine-readable JSON on stdout" },
  "no-color": { type: "boolean", description: "no colour (also when NO_COLOR is set)" },
  var: {
    type: "string",
    multiple: true,
    valueName: "NAME=VALUE",
    description: "set an input variable (repeatable)",
  },
  "var-file": {
    type: "string",
    multiple: true,
    valueName: "FILE",
    description: "read input variables from a .cwvars file (repeatable)",
  },
  "log-level": {
    type: "string",
    valueName: "LEVEL",
    description: "debug, info, warn or error (default warn)",
  },
  "no-ai": { type: "boolean", description: "never call an AI model (provider none)" },
  "ai-provider": {
    type: "string",
    valueName: "NAME",
    description: "AI provider: ollama, openai or none",
  },
  model: { type: "string", valueName: "NAME", description: "AI model name" },
  "base-url": { type: "string", valueName: "URL", description: "AI server base URL" },
  help: { type: "boolean", short: "h", description: "show help" },
};

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** Long and short spellings of the global flags that take a value, for the pre-scan. */
export const GLOBAL_VALUE_FLAGS: ReadonlySet<string> = new Set(
  Object.entries(GLOBAL_OPTIONS).flatMap(([name, spec]) =>
    spec.type === "string" ? [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])] : []
  ),
);

/** Every spelling of every global flag (`--json`, `-C`, …). */
export const GLOBAL_FLAG_SPELLINGS: ReadonlySet<string> = new Set(
  Object.entries(GLOBAL_OPTIONS).flatMap((
    [name, spec],
  ) => [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])]),
);

/** Picks the global options out of parseArgs' values (log level checked by the caller). */
export function toGlobalOptions(
  values: Readonly<Record<string, string | boolean | string[] | undefined>>,
): GlobalOptions {
  const str = (name: string) =>
    typeof values[name] === "string" ? values[name] as string : undefined;
  const list = (name: string) => Array.isArray(values[name]) ? values[name] as string[] : [];
  const globals: {
    -readonly [K in keyof GlobalOptions]: GlobalOptions[K];
  } = {
    json: values.json === true,
    noColor: values["no-color"] === true,
    vars: list("var"),
    varFiles: list("var-file"),
    noAi: values["no-ai"] === true,
  };
  if (str("chdir") !== undefined) globals.chdir = str("chdir");
  if (str("log-level") !== undefined) globals.logLevel = str("log-level") as LogLevel;
  if (str("ai-provider") !== undefined) globals.aiProvider = str("ai-provider");
  if (str("model") !== undefined) globals.model = str("model");
  if (str("base-url") !== undefined) globals.baseUrl = str("base-url");
  return globals;
}
