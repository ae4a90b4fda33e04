/**
 * Where the CLI meets src/ai: the provider is an AI plugin (built-in `ollama`
 * or `openai`, or an installed one) running in a Worker whose only network
 * grant is the configured host; completion runs between loading the
 * configuration and planning, with the forge's security scan as its script
 * check.
 */
import type { Config } from "../config/mod.ts";
import {
  type AiProvider,
  completeConfig,
  type CompletionResult,
  type PinTable,
  ProviderError,
  readPins,
  type ScriptCheck,
  writePins,
} from "../ai/mod.ts";
import { type Artifact, buildDirOf, scanArtifact } from "../forge/mod.ts";
import type { Diagnostic } from "../hcl/mod.ts";
import { PluginHost } from "../plugins/host/mod.ts";
import { normalizePermissions, PluginError } from "../plugins/protocol/mod.ts";
import { BUILTIN_PLUGINS, type EmbeddedPlugin } from "../../plugins/builtins.ts";
import type { CommandContext } from "./commands/_types.ts";
import { readSettings, type Settings, settingsBlockOf } from "./settings.ts";

/** `host:port` for Deno's net permission, the URL's default port made explicit. */
export function netGrantOf(baseUrl: string): string | null {
  try {
    const url = new URL(baseUrl);
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    return `${url.hostname}:${port}`;
  } catch {
    return null;
  }
}

/** Built-in AI plugins get a net grant for exactly the configured host instead of their default. */
function builtinsFor(provider: string, baseUrl: string): EmbeddedPlugin[] {
  const grant = netGrantOf(baseUrl);
  return BUILTIN_PLUGINS.map((plugin) => {
    if (plugin.manifest.name !== provider || plugin.manifest.kind !== "ai" || !grant) return plugin;
    const permissions = { ...normalizePermissions(plugin.manifest.permissions), net: [grant] };
    return { ...plugin, manifest: { ...plugin.manifest, permissions } };
  });
}

const REASON = /\b(timeout|http|connection|protocol): /;

function providerErrorFrom(e: unknown): ProviderError {
  if (e instanceof PluginError) {
    if (e.failure === "timeout") return new ProviderError(e.message, "timeout");
    const reason = REASON.exec(e.message)?.[1] as ProviderError["reason"] | undefined;
    return new ProviderError(e.message.replace(/^plugin "[^"]+": /, ""), reason ?? "protocol");
  }
  return new ProviderError(e instanceof Error ? e.message : String(e), "protocol");
}

export interface AiSession {
  readonly provider: AiProvider;
  close(): Promise<void>;
}

/** Starts (lazily) the configured AI plugin behind an `AiProvider`. */
export async function openAiSession(
  configDir: string,
  settings: Settings,
  timeoutMs = 120_000,
): Promise<{ value: AiSession; diagnostics: Diagnostic[] }> {
  const name = settings.aiProvider;
  const opened = await PluginHost.open({
    configDir,
    builtins: builtinsFor(name, settings.baseUrl),
    requestTimeoutMs: timeoutMs + 5_000,
    settings: {
      [name]: {
        base_url: settings.baseUrl,
        ...(settings.apiKey ? { api_key: settings.apiKey } : {}),
        timeout_ms: timeoutMs,
      },
    },
  });
  const host = opened.value;
  const provider: AiProvider = {
    name,
    baseUrl: settings.baseUrl,
    async complete(request) {
      try {
        return await host.ai(name).complete({
          model: request.model,
          messages: [...request.messages],
          schema: { ...request.schema },
          stream: request.stream,
        });
      } catch (e) {
        throw providerErrorFrom(e);
      }
    },
    async listModels() {
      try {
        const listed = await host.ai(name).listModels({});
        return listed.models.map((m) => m.name);
      } catch (e) {
        throw providerErrorFrom(e);
      }
    },
  };
  return {
    value: { provider, close: () => Promise.resolve(host.close()) },
    diagnostics: opened.diagnostics,
  };
}

/** The forge's security scan, as the check every AI-written script must pass before it is pinned. */
export function forgeScriptCheck(buildDir: string): ScriptCheck {
  return ({ lang, content, address, writes = [] }) =>
    scanArtifact(
      {
        path: "ai-answer",
        mode: "0755",
        purpose: address,
        lang: lang as Artifact["lang"],
        content,
        origin: "ai",
        sha256: "",
      },
      { writes: [...writes], buildDir, address },
    ).map((d) => d.summary);
}

/** Why there is no provider, or null when AI is on. */
export function aiDisabledReason(ctx: CommandContext, settings: Settings): string | null {
  if (ctx.globals.noAi) return "AI is disabled (--no-ai)";
  if (settings.aiProvider === "none") return 'AI is disabled (provider "none")';
  return null;
}

export interface AiCompletion {
  readonly config: Config;
  readonly filled: CompletionResult["filled"];
  readonly diagnostics: Diagnostic[];
}

/**
 * Fills every `aiFields` entry of the configuration from pins or the model,
 * writing new pins to clockwork.lock. A configuration that needs no AI costs
 * nothing here: no lock read, no plugin start.
 */
export async function completeWithAi(
  ctx: CommandContext,
  config: Config,
  settings: Settings,
  options: {
    refresh?: (address: string) => boolean;
    timeoutMs?: number;
    /** Pins only: no provider is started (a second pass once everything asked is pinned). */
    offline?: boolean;
  } = {},
): Promise<AiCompletion> {
  if (!config.resources.some((r) => r.aiFields.length > 0)) {
    return { config, filled: [], diagnostics: [] };
  }
  const loaded = readPins(config.rootDir);
  if (loaded.diagnostics.length > 0) return { config, filled: [], diagnostics: loaded.diagnostics };
  const disabled = options.offline
    ? "the answers are being re-read from clockwork.lock"
    : aiDisabledReason(ctx, settings);
  let session: AiSession | null = null;
  const diagnostics: Diagnostic[] = [];
  try {
    if (!disabled) {
      const opened = await openAiSession(config.rootDir, settings, options.timeoutMs);
      diagnostics.push(...opened.diagnostics);
      session = opened.value;
    }
    const buildDir = buildDirOf(config.rootDir);
    const result = await completeConfig(config, {
      provider: session?.provider ?? null,
      ...(disabled ? { disabledReason: disabled } : {}),
      model: settings.model,
      pins: loaded.pins,
      ...(options.refresh ? { refresh: options.refresh } : {}),
      timeoutMs: options.timeoutMs ?? 120_000,
      checkScript: forgeScriptCheck(buildDir),
      onProgress: (message) => ctx.log("info", message),
    });
    if (result.pinsChanged) writePins(config.rootDir, result.pins);
    diagnostics.push(...result.diagnostics);
    return { config: result.config, filled: result.filled, diagnostics };
  } finally {
    await session?.close();
  }
}

export type { PinTable };

/**
 * Settings for a command with the configuration's `clockwork {}` block. Their
 * diagnostics (a bad value, a broken `.env`) were reported when the
 * configuration was loaded (loadConfiguration), so only the value is returned.
 */
export function settingsFor(
  ctx: CommandContext,
  configDir: string,
  config: Config | undefined,
): { value: Settings } {
  const block = settingsBlockOf(config);
  return { value: readSettings({ configDir, block, env: ctx.env, globals: ctx.globals }).value };
}
