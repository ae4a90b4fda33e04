/** Built-in AI provider `ollama`: a local Ollama server's /api/chat with JSON Schema `format`. */
import { defineAiPlugin } from "../_shared/ai_plugin.ts";
import { ollamaComplete, ollamaListModels } from "./client.ts";

defineAiPlugin({
  defaultBaseUrl: "http://127.0.0.1:11434",
  complete: ollamaComplete,
  listModels: ollamaListModels,
});
