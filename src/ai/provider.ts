/**
 * What src/ai needs from a model server. The built-in `ollama` and `openai`
 * plugins implement it behind the plugin host; tests can hand in a provider
 * that talks to a loopback server directly.
 */
import type { ChatMessage } from "./_prompts.ts";

export interface CompletionRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  /** JSON Schema the answer must match (Ollama `format`, OpenAI `response_format`). */
  readonly schema: Readonly<Record<string, unknown>>;
  readonly stream: boolean;
  readonly timeoutMs: number;
}

export interface CompletionAnswer {
  readonly content: string;
  readonly model: string;
}

export interface AiProvider {
  /** `ollama`, `openai`, or a plugin's name. */
  readonly name: string;
  readonly baseUrl: string;
  complete(request: CompletionRequest): Promise<CompletionAnswer>;
  listModels(timeoutMs: number): Promise<string[]>;
}

/** Why a provider call failed, in words a user can act on. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly reason: "timeout" | "http" | "connection" | "protocol",
  ) {
    super(message);
  }
}
