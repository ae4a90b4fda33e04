/**
 * A loopback HTTP server that speaks the Ollama (`/api/chat`, `/api/tags`,
 * `/api/version`) and OpenAI-compatible (`/v1/chat/completions`,
 * `/v1/models`) wire protocols, streaming and not, and answers from a script
 * of behaviours. The one test double we accept: no model weights exist here.
 */

export type Behaviour =
  /** Answer with this assistant text (streamed in chunks when the client asked for a stream). */
  | { kind: "answer"; content: string }
  /** An HTTP error status with a JSON error body. */
  | { kind: "status"; status: number; message: string }
  /** Wait this long before answering `then`. */
  | { kind: "slow"; delayMs: number; then: Behaviour }
  /** Send part of a streamed answer, then drop the connection. */
  | { kind: "drop"; partial: string };

export interface RecordedRequest {
  readonly path: string;
  readonly body: any;
}

export interface FakeModelServer {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Behaviours used in order for chat requests; the last one repeats. */
  script(...behaviours: Behaviour[]): void;
  close(): Promise<void>;
}

export const FAKE_MODELS = ["qwen3:4b", "llama3.2:3b"];

export function startFakeModelServer(): FakeModelServer {
  const requests: RecordedRequest[] = [];
  let queue: Behaviour[] = [{ kind: "answer", content: "{}" }];
  /** Pending delays, released on close so in-flight handlers finish and shutdown can complete. */
  const sleepers = new Set<() => void>();

  const nextBehaviour = (): Behaviour => (queue.length > 1 ? queue.shift()! : queue[0]);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(id);
        sleepers.delete(release);
        resolve();
      };
      const id = setTimeout(release, ms);
      sleepers.add(release);
    });

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const body = req.method === "POST" ? await req.json().catch(() => null) : null;
    requests.push({ path: url.pathname, body });
    switch (url.pathname) {
      case "/api/version":
        return Response.json({ version: "0.9.0" });
      case "/api/tags":
        return Response.json({
          models: FAKE_MODELS.map((name) => ({
            name,
            model: name,
            modified_at: "2026-01-01T00:00:00Z",
            size: 1,
            digest: "0".repeat(64),
            details: {
              format: "gguf",
              family: "test",
              parameter_size: "1B",
              quantization_level: "Q4",
            },
          })),
        });
      case "/v1/models":
        return Response.json({
          object: "list",
          data: FAKE_MODELS.map((id) => ({ id, object: "model", created: 0, owned_by: "test" })),
        });
      case "/api/chat":
        return await respond(nextBehaviour(), "ollama", body);
      case "/v1/chat/completions":
        return await respond(nextBehaviour(), "openai", body);
      default:
        return new Response("not found", { status: 404 });
    }
  });

  async function respond(b: Behaviour, wire: "ollama" | "openai", body: any): Promise<Response> {
    const model = String(body?.model ?? "unknown");
    const stream = wire === "ollama" ? body?.stream !== false : body?.stream === true;
    if (b.kind === "slow") {
      await sleep(b.delayMs);
      return respond(b.then, wire, body);
    }
    if (b.kind === "status") {
      return Response.json(
        wire === "ollama"
          ? { error: b.message }
          : { error: { message: b.message, type: "server_error" } },
        { status: b.status },
      );
    }
    const text = b.kind === "answer" ? b.content : b.partial;
    const chunks = chunk(text);
    if (!stream && b.kind === "answer") {
      return Response.json(wire === "ollama" ? ollamaFinal(model, text) : openaiFinal(model, text));
    }
    const encoder = new TextEncoder();
    const drop = b.kind === "drop";
    const readable = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of chunks) {
          controller.enqueue(
            encoder.encode(
              wire === "ollama" ? ollamaChunk(model, piece) : openaiChunk(model, piece),
            ),
          );
        }
        if (drop) {
          controller.error(new Error("connection dropped by the test server"));
          return;
        }
        controller.enqueue(
          encoder.encode(wire === "ollama" ? ollamaDone(model) : openaiDone(model)),
        );
        controller.close();
      },
    });
    return new Response(readable, {
      headers: { "content-type": wire === "ollama" ? "application/x-ndjson" : "text/event-stream" },
    });
  }

  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    port: server.addr.port,
    requests,
    script(...behaviours: Behaviour[]) {
      queue = behaviours.length > 0 ? behaviours : [{ kind: "answer", content: "{}" }];
    },
    async close() {
      for (const release of [...sleepers]) release();
      await server.shutdown();
    },
  };
}

function chunk(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 7) out.push(text.slice(i, i + 7));
  return out.length > 0 ? out : [""];
}

const CREATED = "2026-01-01T00:00:00.000Z";

function ollamaFinal(model: string, content: string) {
  return {
    model,
    created_at: CREATED,
    message: { role: "assistant", content },
    done: true,
    done_reason: "stop",
    total_duration: 1,
    load_duration: 1,
    prompt_eval_count: 1,
    prompt_eval_duration: 1,
    eval_count: 1,
    eval_duration: 1,
  };
}

function ollamaChunk(model: string, content: string): string {
  return JSON.stringify({
    model,
    created_at: CREATED,
    message: { role: "assistant", content },
    done: false,
  }) + "\n";
}

function ollamaDone(model: string): string {
  return JSON.stringify({
    ...ollamaFinal(model, ""),
    message: { role: "assistant", content: "" },
  }) + "\n";
}

function openaiFinal(model: string, content: string) {
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 0,
    model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

function openaiChunk(model: string, content: string): string {
  const data = {
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 0,
    model,
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  };
  return `data: ${JSON.stringify(data)}\n\n`;
}

function openaiDone(model: string): string {
  const data = {
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 0,
    model,
    choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
  };
  return `data: ${JSON.stringify(data)}\n\ndata: [DONE]\n\n`;
}

/** Runs `fn` with a fresh fake model server, closed afterwards whatever happens. */
export async function withFakeModelServer(
  fn: (server: FakeModelServer) => Promise<void>,
): Promise<void> {
  const server = startFakeModelServer();
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}
