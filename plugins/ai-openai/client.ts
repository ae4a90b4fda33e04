/**
 * Any OpenAI-compatible server (LM Studio, vLLM, llama.cpp's server):
 * `/v1/chat/completions` with `response_format` of type `json_schema`,
 * streamed (server-sent events) or not.
 */
import {
  type ChatRequest,
  ProviderCallError,
  type ProviderSettings,
  withTimeout,
} from "../_shared/ai_http.ts";

function headers(settings: ProviderSettings): Record<string, string> {
  return {
    "content-type": "application/json",
    ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}),
  };
}

function endpoint(settings: ProviderSettings, path: string): string {
  return `${settings.baseUrl.replace(/\/+$/, "")}${path}`;
}

async function failOnStatus(response: Response): Promise<void> {
  if (response.ok) return;
  const text = await response.text().catch(() => "");
  let message = text.slice(0, 300);
  try {
    const parsed = JSON.parse(text);
    message = parsed?.error?.message ?? parsed?.error ?? message;
  } catch { /* keep the raw text */ }
  throw new ProviderCallError(`HTTP ${response.status}: ${message}`, "http");
}

export function openaiComplete(
  settings: ProviderSettings,
  request: ChatRequest,
): Promise<{ content: string; model: string }> {
  return withTimeout(request.timeoutMs, async (fetchWithSignal) => {
    const response = await fetchWithSignal(endpoint(settings, "/chat/completions"), {
      method: "POST",
      headers: headers(settings),
      body: JSON.stringify({
        model: request.model,
        messages: request.messages,
        temperature: 0,
        stream: request.stream,
        response_format: {
          type: "json_schema",
          json_schema: { name: "answer", strict: true, schema: request.schema },
        },
      }),
    });
    await failOnStatus(response);
    if (!request.stream) {
      const body = await response.json().catch(() => {
        throw new ProviderCallError("the answer is not JSON", "protocol");
      });
      const content = body?.choices?.[0]?.message?.content;
      if (typeof content !== "string") {
        throw new ProviderCallError("the answer has no choices[0].message.content", "protocol");
      }
      return { content, model: String(body.model ?? request.model) };
    }
    return await readEventStream(response, request.model);
  });
}

async function readEventStream(
  response: Response,
  requestedModel: string,
): Promise<{ content: string; model: string }> {
  if (!response.body) throw new ProviderCallError("the streamed answer has no body", "protocol");
  const decoder = new TextDecoder();
  let buffer = "";
  let content = "";
  let model = requestedModel;
  let done = false;
  const reader = response.body.getReader();
  while (!done) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    buffer += decoder.decode(value, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, boundary).trim();
      buffer = buffer.slice(boundary + 1);
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") {
        done = true;
        break;
      }
      let event: any;
      try {
        event = JSON.parse(data);
      } catch {
        throw new ProviderCallError("a streamed event is not JSON", "protocol");
      }
      content += event?.choices?.[0]?.delta?.content ?? "";
      if (typeof event?.model === "string") model = event.model;
    }
  }
  if (!done) throw new ProviderCallError("the streamed answer ended before [DONE]", "connection");
  return { content, model };
}

export function openaiListModels(settings: ProviderSettings, timeoutMs: number): Promise<string[]> {
  return withTimeout(timeoutMs, async (fetchWithSignal) => {
    const response = await fetchWithSignal(endpoint(settings, "/models"), {
      headers: headers(settings),
    });
    await failOnStatus(response);
    const body = await response.json();
    if (!Array.isArray(body?.data)) {
      throw new ProviderCallError("the model list has no data array", "protocol");
    }
    return body.data.map((m: { id: unknown }) => String(m.id)).sort();
  });
}
