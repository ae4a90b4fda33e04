/** An AiProvider that calls the built-in provider clients in-process (the plugin Worker is tested separately). */
import type { AiProvider } from "../../src/ai/mod.ts";
import { ProviderError } from "../../src/ai/mod.ts";
import {
  ollamaComplete,
  ollamaListModels,
  ProviderCallError,
} from "../../plugins/ai-ollama/client.ts";
import { openaiComplete, openaiListModels } from "../../plugins/ai-openai/client.ts";

export function directProvider(wire: "ollama" | "openai", baseUrl: string): AiProvider {
  const settings = { baseUrl };
  const rethrow = (e: unknown): never => {
    if (e instanceof ProviderCallError) throw new ProviderError(e.message, e.reason);
    throw e;
  };
  return {
    name: wire,
    baseUrl,
    complete: (request) =>
      (wire === "ollama" ? ollamaComplete(settings, request) : openaiComplete(settings, request))
        .catch(rethrow),
    listModels: (timeoutMs) =>
      (wire === "ollama"
        ? ollamaListModels(settings, timeoutMs)
        : openaiListModels(settings, timeoutMs)).catch(
          rethrow,
        ),
  };
}
