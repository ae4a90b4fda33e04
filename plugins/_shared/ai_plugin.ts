/**
 * The body both AI provider plugins share: settings from the host
 * (`base_url`, `api_key`, `timeout_ms`), and failures answered with their
 * reason as a prefix (`timeout: …`) so the host side can tell a slow model
 * from a broken one.
 */
import { definePlugin, type PluginContext, RequestError } from "../../src/plugins/protocol/mod.ts";
import { type ChatRequest, ProviderCallError, type ProviderSettings } from "./ai_http.ts";

export interface ProviderFunctions {
  readonly defaultBaseUrl: string;
  complete(
    settings: ProviderSettings,
    request: ChatRequest,
  ): Promise<{ content: string; model: string }>;
  listModels(settings: ProviderSettings, timeoutMs: number): Promise<string[]>;
}

function settingsOf(context: PluginContext, defaultBaseUrl: string) {
  const s = context.settings;
  const baseUrl = typeof s.base_url === "string" && s.base_url !== "" ? s.base_url : defaultBaseUrl;
  const apiKey = typeof s.api_key === "string" && s.api_key !== "" ? s.api_key : undefined;
  const timeoutMs = typeof s.timeout_ms === "number" ? s.timeout_ms : 120_000;
  return { provider: { baseUrl, ...(apiKey ? { apiKey } : {}) }, timeoutMs };
}

function answerFailure(e: unknown): never {
  if (e instanceof ProviderCallError) throw new RequestError("failed", `${e.reason}: ${e.message}`);
  throw e;
}

export function defineAiPlugin(fns: ProviderFunctions): void {
  definePlugin({
    kind: "ai",
    handlers: {
      complete: (params, context) => {
        const { provider, timeoutMs } = settingsOf(context, fns.defaultBaseUrl);
        return fns.complete(provider, {
          model: params.model,
          messages: params.messages,
          schema: params.schema,
          stream: params.stream ?? false,
          timeoutMs,
        }).catch(answerFailure);
      },
      listModels: async (_params, context) => {
        const { provider, timeoutMs } = settingsOf(context, fns.defaultBaseUrl);
        const names = await fns.listModels(provider, Math.min(timeoutMs, 10_000)).catch(
          answerFailure,
        );
        return { models: names.map((name) => ({ name })) };
      },
    },
  });
}
