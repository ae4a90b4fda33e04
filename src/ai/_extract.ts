/**
 * Turns a model's raw text into JSON. Reasoning models prefix their answer
 * with `<think>…</think>`; some wrap JSON in a Markdown fence. Anything else
 * that is not JSON is a validation failure, reported back to the model once.
 */

/** Removes every `<think>…</think>` section (and an unterminated leading one). */
export function stripThinking(text: string): string {
  let out = text.replace(/<think>[\s\S]*?<\/think>/g, "");
  const open = out.indexOf("<think>");
  if (open !== -1) out = out.slice(0, open);
  return out.trim();
}

export type Extracted = { ok: true; data: unknown } | { ok: false; problem: string };

export function extractJson(raw: string): Extracted {
  let text = stripThinking(raw);
  const fence = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/.exec(text);
  if (fence) text = fence[1].trim();
  if (text === "") {
    return { ok: false, problem: "the answer was empty; answer with one JSON object" };
  }
  try {
    return { ok: true, data: JSON.parse(text) };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      problem: `the answer is not valid JSON (${reason}); answer with one JSON object only`,
    };
  }
}
