import assert from "node:assert/strict";
import { answerJsonSchema, ProviderError } from "../../src/ai/mod.ts";
import { directProvider } from "./direct_provider.ts";
import { FAKE_MODELS, startFakeModelServer, withFakeModelServer } from "./fake_model_server.ts";

const messages = [{ role: "user" as const, content: "hello" }];

for (const wire of ["ollama", "openai"] as const) {
  const base = (url: string) => (wire === "ollama" ? url : `${url}/v1`);
  const chatPath = wire === "ollama" ? "/api/chat" : "/v1/chat/completions";

  for (const stream of [false, true]) {
    Deno.test(`${wire} provider returns the whole answer (stream=${stream}) and sends the JSON Schema`, async () => {
      await withFakeModelServer(async (server) => {
        const answer = '{"content": "<h1>hello, world</h1>"}';
        server.script({ kind: "answer", content: answer });
        const provider = directProvider(wire, base(server.url));
        const schema = answerJsonSchema("content");
        const result = await provider.complete({
          model: "qwen3:4b",
          messages,
          schema,
          stream,
          timeoutMs: 5000,
        });
        assert.equal(result.content, answer);
        assert.equal(result.model, "qwen3:4b");
        const sent = server.requests.find((r) => r.path === chatPath)!.body;
        if (wire === "ollama") {
          assert.deepEqual(sent.format, schema);
          assert.equal(sent.stream, stream);
        } else {
          assert.equal(sent.response_format.type, "json_schema");
          assert.deepEqual(sent.response_format.json_schema.schema, schema);
          assert.equal(sent.stream, stream);
        }
      });
    });
  }

  Deno.test(`${wire} provider lists the server's models`, async () => {
    await withFakeModelServer(async (server) => {
      const models = await directProvider(wire, base(server.url)).listModels(5000);
      assert.deepEqual(models, [...FAKE_MODELS].sort());
    });
  });

  Deno.test(`${wire} provider reports HTTP 500 as an http error`, async () => {
    await withFakeModelServer(async (server) => {
      server.script({ kind: "status", status: 500, message: "model crashed" });
      await assert.rejects(
        directProvider(wire, base(server.url)).complete({
          model: "m",
          messages,
          schema: {},
          stream: false,
          timeoutMs: 5000,
        }),
        (e: unknown) => e instanceof ProviderError && e.reason === "http" && /500/.test(e.message),
      );
    });
  });

  Deno.test(`${wire} provider times out on a very slow answer`, async () => {
    await withFakeModelServer(async (server) => {
      server.script({ kind: "slow", delayMs: 3000, then: { kind: "answer", content: "{}" } });
      const started = performance.now();
      await assert.rejects(
        directProvider(wire, base(server.url)).complete({
          model: "m",
          messages,
          schema: {},
          stream: false,
          timeoutMs: 200,
        }),
        (e: unknown) => e instanceof ProviderError && e.reason === "timeout",
      );
      assert.ok(performance.now() - started < 2500, "the timeout must not wait for the answer");
    });
  });

  Deno.test(`${wire} provider reports a dropped streamed connection`, async () => {
    await withFakeModelServer(async (server) => {
      server.script({ kind: "drop", partial: '{"content": "half' });
      await assert.rejects(
        directProvider(wire, base(server.url)).complete({
          model: "m",
          messages,
          schema: {},
          stream: true,
          timeoutMs: 5000,
        }),
        (e: unknown) =>
          e instanceof ProviderError && (e.reason === "connection" || e.reason === "protocol"),
      );
    });
  });

  Deno.test(`${wire} provider reports a refused connection`, async () => {
    const server = startFakeModelServer();
    const url = base(server.url);
    await server.close();
    await assert.rejects(
      directProvider(wire, url).complete({
        model: "m",
        messages,
        schema: {},
        stream: false,
        timeoutMs: 5000,
      }),
      (e: unknown) => e instanceof ProviderError && e.reason === "connection",
    );
  });
}
