/**
 * The Ollama provider: `/api/chat` through the `ollama` package with
 * `format` set to the answer's JSON Schema. Runs inside the plugin Worker,
 * which may only reach the configured host.
 */
import { Ollama } from "ollama/browser";
import {
  type ChatRequest,
  ProviderCallError,
  type ProviderSettings,
  withTimeout,
} from "../_shared/ai_http.ts";

export { type ChatRequest, ProviderCallError, type ProviderSettings };

export function ollamaComplete(
  settings: ProviderSettings,
  request: ChatRequest,
): Promise<{ content: string; model: string }> {
  return withTimeout(request.timeoutMs, async (fetchWithSignal) => {
    const client = new Ollama({
      host: settings.baseUrl,
      fetch: fetchWithSignal,
      ...(settings.apiKey ? { headers: { Authorization: `Bearer ${settings.apiKey}` } } : {}),
    });
    const base = {
      model: request.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      format: request.schema as Record<string, unknown>,
      options: { temperature: 0 },
    };
    if (!request.stream) {
      const answer = await client.chat({ ...base, stream: false });
      if (typeof answer?.message?.content !== "string") {
        throw new ProviderCallError("the answer has no message content", "protocol");
      }
      return { content: answer.message.content, model: answer.model ?? request.model };
    }
    let content = "";
    let model = request.model;
    let finished = false;
    for await (const part of await client.chat({ ...base, stream: true })) {
      content += part.message?.content ?? "";
      if (part.model) model = part.model;
      if (part.done) finished = true;
    }
    if (!finished) {
      throw new ProviderCallError("the streamed answer ended before it was done", "connection");
    }
    return { content, model };
  });
}

export function ollamaListModels(settings: ProviderSettings, timeoutMs: number): Promise<string[]> {
  return withTimeout(timeoutMs, async (fetchWithSignal) => {
    const client = new Ollama({ host: settings.baseUrl, fetch: fetchWithSignal });
    const listed = await client.list();
    return listed.models.map((m) => m.name).sort();
  });
}
