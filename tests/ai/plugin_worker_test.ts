/**
 * The built-in AI providers as they really run: embedded bundles started by
 * the plugin host in Workers whose only network grant is the configured host.
 */
import assert from "node:assert/strict";
import { ProviderError } from "../../src/ai/mod.ts";
import { netGrantOf, openAiSession } from "../../src/cli/ai.ts";
import { resolveSettings } from "../../src/cli/settings.ts";
import { PluginHost } from "../../src/plugins/host/mod.ts";
import { BUILTIN_PLUGINS } from "../../plugins/builtins.ts";
import { startFakeModelServer } from "./fake_model_server.ts";

const ANSWER = JSON.stringify({ content: "from the worker" });

function settingsFor(provider: "ollama" | "openai", baseUrl: string) {
  return resolveSettings({ env: {}, flags: { aiProvider: provider, baseUrl, noAi: false } }).value;
}

for (const provider of ["ollama", "openai"] as const) {
  for (const stream of [false, true]) {
    Deno.test(`the built-in ${provider} plugin answers from its Worker (stream=${stream})`, async () => {
      const server = startFakeModelServer();
      const dir = await Deno.makeTempDir();
      const base = provider === "ollama" ? server.url : `${server.url}/v1`;
      const session = await openAiSession(dir, settingsFor(provider, base), 5000);
      try {
        server.script({ kind: "answer", content: ANSWER });
        const answer = await session.value.provider.complete({
          model: "qwen3:4b",
          messages: [{ role: "user", content: "hi" }],
          schema: { type: "object" },
          stream,
          timeoutMs: 5000,
        });
        assert.equal(answer.content, ANSWER);
        const models = await session.value.provider.listModels(5000);
        assert.ok(models.includes("qwen3:4b"));
      } finally {
        await session.value.close();
        await server.close();
      }
    });
  }

  Deno.test(`the built-in ${provider} plugin cannot reach a host it was not granted`, async () => {
    const granted = startFakeModelServer();
    const other = startFakeModelServer();
    const dir = await Deno.makeTempDir();
    const builtin = BUILTIN_PLUGINS.find((p) => p.manifest.name === provider)!;
    const host = new PluginHost({
      configDir: dir,
      builtins: [{
        ...builtin,
        manifest: { ...builtin.manifest, permissions: { net: [netGrantOf(granted.url)!] } },
      }],
      settings: { [provider]: { base_url: provider === "ollama" ? other.url : `${other.url}/v1` } },
    });
    try {
      await assert.rejects(
        host.ai(provider).complete({
          model: "m",
          messages: [{ role: "user", content: "x" }],
          schema: {},
        }),
        (e: unknown) => e instanceof Error && /permission|NotCapable|net access/i.test(e.message),
      );
      assert.equal(other.requests.length, 0, "the other server saw no request");
    } finally {
      host.close();
      await granted.close();
      await other.close();
    }
  });
}

Deno.test("a model that does not answer in time is a timeout, through the Worker", async () => {
  const server = startFakeModelServer();
  const dir = await Deno.makeTempDir();
  const session = await openAiSession(dir, settingsFor("ollama", server.url), 300);
  try {
    server.script({ kind: "slow", delayMs: 4000, then: { kind: "answer", content: ANSWER } });
    await assert.rejects(
      session.value.provider.complete({
        model: "m",
        messages: [{ role: "user", content: "x" }],
        schema: {},
        stream: false,
        timeoutMs: 300,
      }),
      (e: unknown) => e instanceof ProviderError && e.reason === "timeout",
    );
  } finally {
    await session.value.close();
    await server.close();
  }
});

Deno.test("netGrantOf makes the scheme's default port explicit", () => {
  assert.equal(netGrantOf("http://127.0.0.1:11434"), "127.0.0.1:11434");
  assert.equal(netGrantOf("http://localhost/v1"), "localhost:80");
  assert.equal(netGrantOf("https://models.internal/v1"), "models.internal:443");
  assert.equal(netGrantOf("not a url"), null);
});
