import { deepEqual as assertEquals } from "node:assert/strict";
import { parseDotenv, resolveSettings, type SettingName, type SettingsInput } from "./settings.ts";

interface Row {
  setting: SettingName;
  level: string;
  input: SettingsInput;
  value: string | undefined;
  source: string;
}

// One row per precedence level per setting: each row sets the setting at its
// level AND at every lower level, so the row only passes if that level wins.
const block = (ai: Record<string, string>, state: Record<string, string> = {}) => ({
  ai,
  state,
});
const rows: Row[] = [
  // aiProvider
  { setting: "aiProvider", level: "default", input: {}, value: "ollama", source: "default" },
  {
    setting: "aiProvider",
    level: "block",
    input: { block: block({ provider: "openai" }) },
    value: "openai",
    source: "clockwork block",
  },
  {
    setting: "aiProvider",
    level: ".env",
    input: { block: block({ provider: "openai" }), dotenvText: "CLOCKWORK_AI_PROVIDER=none\n" },
    value: "none",
    source: ".env",
  },
  {
    setting: "aiProvider",
    level: "environment",
    input: {
      block: block({ provider: "openai" }),
      dotenvText: "CLOCKWORK_AI_PROVIDER=none",
      env: { CLOCKWORK_AI_PROVIDER: "ollama" },
    },
    value: "ollama",
    source: "environment",
  },
  {
    setting: "aiProvider",
    level: "flag",
    input: {
      block: block({ provider: "ollama" }),
      dotenvText: "CLOCKWORK_AI_PROVIDER=none",
      env: { CLOCKWORK_AI_PROVIDER: "none" },
      flags: { aiProvider: "openai" },
    },
    value: "openai",
    source: "flag",
  },
  {
    setting: "aiProvider",
    level: "flag --no-ai",
    input: {
      env: { CLOCKWORK_AI_PROVIDER: "openai" },
      flags: { aiProvider: "openai", noAi: true },
    },
    value: "none",
    source: "flag",
  },
  // model
  { setting: "model", level: "default", input: {}, value: "qwen3:4b", source: "default" },
  {
    setting: "model",
    level: "block",
    input: { block: block({ model: "llama3" }) },
    value: "llama3",
    source: "clockwork block",
  },
  {
    setting: "model",
    level: ".env",
    input: { block: block({ model: "llama3" }), dotenvText: "CLOCKWORK_MODEL=gemma" },
    value: "gemma",
    source: ".env",
  },
  {
    setting: "model",
    level: "environment",
    input: {
      block: block({ model: "llama3" }),
      dotenvText: "CLOCKWORK_MODEL=gemma",
      env: { CLOCKWORK_MODEL: "mistral" },
    },
    value: "mistral",
    source: "environment",
  },
  {
    setting: "model",
    level: "flag",
    input: {
      block: block({ model: "llama3" }),
      dotenvText: "CLOCKWORK_MODEL=gemma",
      env: { CLOCKWORK_MODEL: "mistral" },
      flags: { model: "phi" },
    },
    value: "phi",
    source: "flag",
  },
  // baseUrl
  {
    setting: "baseUrl",
    level: "default (ollama)",
    input: {},
    value: "http://127.0.0.1:11434",
    source: "default",
  },
  {
    setting: "baseUrl",
    level: "default (openai)",
    input: { flags: { aiProvider: "openai" } },
    value: "http://127.0.0.1:1234/v1",
    source: "default",
  },
  {
    setting: "baseUrl",
    level: "block",
    input: { block: block({ base_url: "http://a:1" }) },
    value: "http://a:1",
    source: "clockwork block",
  },
  {
    setting: "baseUrl",
    level: ".env",
    input: {
      block: block({ base_url: "http://a:1" }),
      dotenvText: "CLOCKWORK_BASE_URL=http://b:2",
    },
    value: "http://b:2",
    source: ".env",
  },
  {
    setting: "baseUrl",
    level: "environment",
    input: {
      block: block({ base_url: "http://a:1" }),
      dotenvText: "CLOCKWORK_BASE_URL=http://b:2",
      env: { CLOCKWORK_BASE_URL: "http://c:3" },
    },
    value: "http://c:3",
    source: "environment",
  },
  {
    setting: "baseUrl",
    level: "flag",
    input: {
      block: block({ base_url: "http://a:1" }),
      dotenvText: "CLOCKWORK_BASE_URL=http://b:2",
      env: { CLOCKWORK_BASE_URL: "http://c:3" },
      flags: { baseUrl: "http://d:4" },
    },
    value: "http://d:4",
    source: "flag",
  },
  // apiKey (no flag: keys do not belong in shell history)
  { setting: "apiKey", level: "default", input: {}, value: undefined, source: "default" },
  {
    setting: "apiKey",
    level: "block",
    input: { block: block({ api_key: "k1" }) },
    value: "k1",
    source: "clockwork block",
  },
  {
    setting: "apiKey",
    level: ".env",
    input: { block: block({ api_key: "k1" }), dotenvText: "CLOCKWORK_API_KEY=k2" },
    value: "k2",
    source: ".env",
  },
  {
    setting: "apiKey",
    level: "environment",
    input: {
      block: block({ api_key: "k1" }),
      dotenvText: "CLOCKWORK_API_KEY=k2",
      env: { CLOCKWORK_API_KEY: "k3" },
    },
    value: "k3",
    source: "environment",
  },
  // logLevel (not in the clockwork block)
  { setting: "logLevel", level: "default", input: {}, value: "warn", source: "default" },
  {
    setting: "logLevel",
    level: ".env",
    input: { dotenvText: "CLOCKWORK_LOG_LEVEL=info" },
    value: "info",
    source: ".env",
  },
  {
    setting: "logLevel",
    level: "environment",
    input: { dotenvText: "CLOCKWORK_LOG_LEVEL=info", env: { CLOCKWORK_LOG_LEVEL: "error" } },
    value: "error",
    source: "environment",
  },
  {
    setting: "logLevel",
    level: "flag",
    input: {
      dotenvText: "CLOCKWORK_LOG_LEVEL=info",
      env: { CLOCKWORK_LOG_LEVEL: "error" },
      flags: { logLevel: "debug" },
    },
    value: "debug",
    source: "flag",
  },
  // state backend and path (block only)
  { setting: "stateBackend", level: "default", input: {}, value: "file", source: "default" },
  {
    setting: "stateBackend",
    level: "block",
    input: { block: block({}, { backend: "sqlite" }) },
    value: "sqlite",
    source: "clockwork block",
  },
  {
    setting: "statePath",
    level: "default",
    input: {},
    value: ".clockwork/state.json",
    source: "default",
  },
  {
    setting: "statePath",
    level: "block",
    input: { block: block({}, { path: "s.db" }) },
    value: "s.db",
    source: "clockwork block",
  },
];

for (const row of rows) {
  Deno.test(`settings: ${row.setting} from ${row.level}`, () => {
    const { value: settings, diagnostics } = resolveSettings(row.input);
    assertEquals(diagnostics, []);
    assertEquals(settings[row.setting], row.value);
    assertEquals(settings.sources[row.setting], row.source);
  });
}

Deno.test("settings: an empty environment variable does not override lower levels", () => {
  const { value } = resolveSettings({
    dotenvText: "CLOCKWORK_MODEL=gemma",
    env: { CLOCKWORK_MODEL: "" },
  });
  assertEquals([value.model, value.sources.model], ["gemma", ".env"]);
});

Deno.test("settings: an invalid log level is an error and falls back to warn", () => {
  const { value, diagnostics } = resolveSettings({ env: { CLOCKWORK_LOG_LEVEL: "loud" } });
  assertEquals(value.logLevel, "warn");
  assertEquals(diagnostics.map((d) => d.code), ["CW9011"]);
});

Deno.test("settings: an invalid value names the variable, flag or block attribute that set it", () => {
  const detail = (input: SettingsInput) => resolveSettings(input).diagnostics.map((d) => d.detail);
  assertEquals(detail({ env: { CLOCKWORK_LOG_LEVEL: "loud" } }), [
    "set by CLOCKWORK_LOG_LEVEL in the environment; expected debug, info, warn or error",
  ]);
  assertEquals(detail({ flags: { aiProvider: "" } }), [
    "set by --ai-provider; expected ollama, openai, none or an AI plugin",
  ]);
  assertEquals(detail({ block: { ai: { provider: "" } } }), [
    "set by ai.provider in the clockwork block; expected ollama, openai, none or an AI plugin",
  ]);
});

Deno.test("settings: an invalid value in .env points at it there", () => {
  const dotenvText =
    "# settings\nCLOCKWORK_MODEL=gemma\n  CLOCKWORK_LOG_LEVEL=verbose  # too chatty\n";
  const { diagnostics } = resolveSettings({ dotenvText, dotenvFilename: "/cfg/.env" });
  assertEquals(diagnostics.map((d) => [d.code, d.detail]), [
    ["CW9011", "set by CLOCKWORK_LOG_LEVEL in .env; expected debug, info, warn or error"],
  ]);
  const at = diagnostics[0].subject!;
  assertEquals([at.filename, dotenvText.slice(at.start, at.end)], ["/cfg/.env", "verbose"]);

  const empty = resolveSettings({ dotenvText: "CLOCKWORK_AI_PROVIDER=\n" }).diagnostics;
  assertEquals(empty.map((d) => d.code), ["CW9012"]);
  assertEquals(empty[0].subject, { filename: ".env", start: 0, end: 22 });
});

Deno.test("settings: extra state attributes and required_version pass through", () => {
  const { value } = resolveSettings({
    block: { required_version: ">= 0.1", state: { backend: "postgres", dsn: "postgres://x" } },
  });
  assertEquals(value.stateOptions, { dsn: "postgres://x" });
  assertEquals(value.requiredVersion, ">= 0.1");
});

Deno.test("dotenv: comments, quotes, export prefix, escapes, malformed lines", () => {
  const text = [
    "# a comment",
    "",
    "export CLOCKWORK_MODEL=llama3",
    "PLAIN = value with spaces   # trailing comment",
    "SINGLE='a # not a comment $HOME'",
    'DOUBLE="line1\\nline2 \\"q\\""',
    "EMPTY=",
    "HASH=abc#def",
    "not a pair",
    "BROKEN='open",
    "CRLF=x\r",
  ].join("\n");
  const { value, ranges, diagnostics } = parseDotenv(text, "/cfg/.env");
  assertEquals(value, {
    CLOCKWORK_MODEL: "llama3",
    PLAIN: "value with spaces",
    SINGLE: "a # not a comment $HOME",
    DOUBLE: 'line1\nline2 "q"',
    EMPTY: "",
    HASH: "abc#def",
    CRLF: "x",
  });
  assertEquals(diagnostics.map((d) => [d.code, d.subject?.filename]), [
    ["CW9013", "/cfg/.env"],
    ["CW9013", "/cfg/.env"],
  ]);
  // The range points at the malformed line itself.
  const bad = diagnostics[0].subject!;
  assertEquals(text.slice(bad.start, bad.end), "not a pair");
  // Each value's range is the value as written, quotes included and a comment left out.
  const written = Object.fromEntries(
    Object.entries(ranges).map(([key, r]) => [key, text.slice(r.start, r.end)]),
  );
  assertEquals(written, {
    CLOCKWORK_MODEL: "llama3",
    PLAIN: "value with spaces",
    SINGLE: "'a # not a comment $HOME'",
    DOUBLE: '"line1\\nline2 \\"q\\""',
    EMPTY: "EMPTY=",
    HASH: "abc#def",
    CRLF: "x",
  });
});

Deno.test("settings: only CLOCKWORK_* keys of .env matter", () => {
  const { value } = resolveSettings({ dotenvText: "MODEL=nope\nAI_PROVIDER=none" });
  assertEquals([value.model, value.aiProvider], ["qwen3:4b", "ollama"]);
});
