/**
 * One question to the model: the request's messages and answer schema, the
 * answer parsed and checked, and one retry that tells the model what was
 * wrong. Nothing unchecked is returned.
 */
import { answerJsonSchema } from "./_answers.ts";
import { extractJson } from "./_extract.ts";
import { type AiRequest, buildMessages, type ChatMessage, retryMessages } from "./_prompts.ts";
import { type AiProvider, ProviderError } from "./provider.ts";

export type Checked<A> = { ok: true; answer: A } | { ok: false; problem: string };

export type Asked<A> =
  | { ok: true; answer: A }
  | { ok: false; code: string; summary: string; detail: string };

export interface AskOptions {
  readonly model: string;
  readonly stream?: boolean;
  readonly timeoutMs?: number;
}

export async function askModel<A>(
  provider: AiProvider,
  request: AiRequest,
  check: (data: unknown) => Checked<A>,
  options: AskOptions,
): Promise<Asked<A>> {
  const schema = answerJsonSchema(request.field);
  let messages: ChatMessage[] = buildMessages(request);
  let lastProblem = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    let content: string;
    try {
      const answer = await provider.complete({
        model: options.model,
        messages,
        schema,
        stream: options.stream ?? false,
        timeoutMs: options.timeoutMs ?? 120_000,
      });
      content = answer.content;
    } catch (e) {
      const reason = e instanceof ProviderError ? e.reason : "protocol";
      const message = e instanceof Error ? e.message : String(e);
      return {
        ok: false,
        code: reason === "timeout" ? "CW8005" : "CW8002",
        summary:
          `AI provider ${provider.name} at ${provider.baseUrl} failed for ${request.address}`,
        detail: `${message}.`,
      };
    }
    const extracted = extractJson(content);
    const checked = extracted.ok ? check(extracted.data) : extracted;
    if (checked.ok) return checked;
    lastProblem = checked.problem;
    messages = retryMessages(messages, content, checked.problem);
  }
  return {
    ok: false,
    code: "CW8003",
    summary: `the AI answer for ${request.address} was refused`,
    detail: `It was invalid twice; last problem: ${lastProblem}.`,
  };
}
