/** Built-in AI provider `openai`: any OpenAI-compatible server (LM Studio, vLLM, llama.cpp). */
import { defineAiPlugin } from "../_shared/ai_plugin.ts";
import { openaiComplete, openaiListModels } from "./client.ts";

defineAiPlugin({
  defaultBaseUrl: "http://127.0.0.1:1234/v1",
  complete: openaiComplete,
  listModels: openaiListModels,
});
