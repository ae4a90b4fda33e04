/**
 * AI completion end to end below the CLI: real configuration files, the real
 * forge security scan as the script check, the real provider clients talking
 * to a loopback server that speaks the model servers' wire protocols.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  completeConfig,
  type CompletionOptions,
  type PinTable,
  readPins,
  writePins,
} from "../../src/ai/mod.ts";
import { type Config, loadConfig } from "../../src/config/mod.ts";
import { forgeScriptCheck } from "../../src/cli/ai.ts";
import { directProvider } from "./direct_provider.ts";
import { type Behaviour, type FakeModelServer, withFakeModelServer } from "./fake_model_server.ts";

const CONFIG = `
resource "file" "motd" {
  path        = "\${path.root}/out/motd.txt"
  description = "a friendly message of the day"
}
resource "task" "setup" {
  description = "create a marker file"
}
resource "container" "web" {
  description = "a static web server"
  ports       = ["127.0.0.1:8080:80"]
  env         = { MODE = "user" }
}
resource "file" "plain" {
  path    = "\${path.root}/out/plain.txt"
  content = "no AI here"
}
`;

async function loadFixture(): Promise<{ dir: string; config: Config }> {
  const dir = await Deno.makeTempDir({ prefix: "cw-ai-" });
  await Deno.writeTextFile(join(dir, "main.cw"), CONFIG);
  const loaded = loadConfig({ dir, vars: [], varFiles: [], env: {}, cwd: dir });
  assert.deepEqual(loaded.diagnostics, []);
  return { dir, config: loaded.config! };
}

const realScan = forgeScriptCheck("/nonexistent/.clockwork/build");

const GOOD = {
  content: JSON.stringify({ content: "Have a nice day!\n" }),
  script: JSON.stringify({ lang: "bash", script: "#!/usr/bin/env bash\ntouch marker\n" }),
  image: JSON.stringify({
    image: "docker.io/library/nginx:1.27-alpine",
    ports: ["0.0.0.0:9999:80"],
    env: { MODE: "ai", EXTRA: "1" },
  }),
};

function options(server: FakeModelServer | null, pins: PinTable = {}): CompletionOptions {
  return {
    provider: server ? directProvider("ollama", server.url) : null,
    ...(server ? {} : { disabledReason: "AI is disabled (--no-ai)" }),
    model: "qwen3:4b",
    pins,
    checkScript: realScan,
    timeoutMs: 2000,
  };
}

Deno.test("completion fills content, script and image, never overriding user values, and pins them", async () => {
  const { config } = await loadFixture();
  await withFakeModelServer(async (server) => {
    // Answer in address order: container.web, file.motd, task.setup.
    server.script(
      { kind: "answer", content: GOOD.image },
      { kind: "answer", content: GOOD.content },
      { kind: "answer", content: GOOD.script },
    );
    const result = await completeConfig(config, options(server));
    assert.deepEqual(result.diagnostics, []);
    const byAddress = Object.fromEntries(result.config.resources.map((r) => [r.address, r]));
    assert.equal(byAddress["file.motd"].attributes.content, "Have a nice day!\n");
    assert.equal(byAddress["task.setup"].attributes.script, "#!/usr/bin/env bash\ntouch marker\n");
    assert.equal(
      byAddress["container.web"].attributes.image,
      "docker.io/library/nginx:1.27-alpine",
    );
    assert.deepEqual(
      byAddress["container.web"].attributes.ports,
      ["127.0.0.1:8080:80"],
      "user ports kept",
    );
    assert.deepEqual(
      byAddress["container.web"].attributes.env,
      { MODE: "user", EXTRA: "1" },
      "user env wins",
    );
    assert.equal(byAddress["file.plain"].attributes.content, "no AI here");
    assert.equal(Object.keys(result.pins).length, 3);
    assert.ok(result.pinsChanged);
    assert.deepEqual(result.filled.map((f) => f.fromPin), [false, false, false]);
    for (const request of server.requests.filter((r) => r.path === "/api/chat")) {
      assert.equal(typeof request.body.format, "object", "every request carries a JSON Schema");
    }
  });
});

Deno.test("pinned answers are reused with no model at all, and survive the lock file round trip", async () => {
  const { dir, config } = await loadFixture();
  let pins: PinTable = {};
  await withFakeModelServer(async (server) => {
    server.script({ kind: "answer", content: GOOD.image }, {
      kind: "answer",
      content: GOOD.content,
    }, {
      kind: "answer",
      content: GOOD.script,
    });
    pins = (await completeConfig(config, options(server))).pins;
  });
  await Deno.writeTextFile(
    join(dir, "clockwork.lock"),
    JSON.stringify({ format_version: "1", plugins: { x: 1 } }),
  );
  writePins(dir, pins);
  const reread = readPins(dir);
  assert.deepEqual(reread.diagnostics, []);
  assert.deepEqual(reread.pins, pins);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, "clockwork.lock"))).plugins, {
    x: 1,
  });

  const offline = await completeConfig(config, options(null, reread.pins));
  assert.deepEqual(offline.diagnostics, []);
  assert.equal(offline.pinsChanged, false);
  assert.ok(offline.filled.every((f) => f.fromPin));
  const motd = offline.config.resources.find((r) => r.address === "file.motd")!;
  assert.equal(motd.attributes.content, "Have a nice day!\n");
});

Deno.test("without AI and without a pin, each resource that needs AI is a diagnostic naming what to set", async () => {
  const { config } = await loadFixture();
  const result = await completeConfig(config, options(null));
  const byAddress = Object.fromEntries(result.diagnostics.map((d) => [d.address, d]));
  assert.equal(result.diagnostics.length, 3);
  assert.equal(byAddress["file.motd"].code, "CW8001");
  assert.match(byAddress["file.motd"].detail!, /set `content` or `source`/);
  assert.match(byAddress["container.web"].detail!, /set `image`/);
  assert.match(byAddress["task.setup"].detail!, /--no-ai/);
  assert.ok(byAddress["file.motd"].subject, "points at the resource");
  assert.deepEqual(result.pins, {});
});

const refusals: {
  name: string;
  field: "content" | "script" | "image";
  bad: Behaviour;
  why: RegExp;
}[] = [
  {
    name: "invalid JSON",
    field: "content",
    bad: { kind: "answer", content: "Sure! Here it is: {content:" },
    why: /not valid JSON/,
  },
  {
    name: "JSON that violates the schema",
    field: "content",
    bad: { kind: "answer", content: '{"text": "hi"}' },
    why: /content|Invalid/,
  },
  {
    name: "a script with rm -rf /",
    field: "script",
    bad: {
      kind: "answer",
      content: JSON.stringify({ lang: "bash", script: "rm -rf / --no-preserve-root\n" }),
    },
    why: /security scan/,
  },
  {
    name: "a path escaping the build directory",
    field: "script",
    bad: {
      kind: "answer",
      content: JSON.stringify({ lang: "bash", script: "true\n", filename: "../../etc/cron.d/x" }),
    },
    why: /filename/,
  },
  {
    name: "an image name with shell metacharacters",
    field: "image",
    bad: { kind: "answer", content: JSON.stringify({ image: "nginx; rm -rf ~" }) },
    why: /image/,
  },
  {
    name: "a script in another language than the resource declares",
    field: "script",
    bad: { kind: "answer", content: JSON.stringify({ lang: "python3", script: "print(1)\n" }) },
    why: /lang must be "bash"/,
  },
];

for (const { name, field, bad, why } of refusals) {
  Deno.test(`an answer with ${name} is retried once with the reason, then refused and never pinned`, async () => {
    const { config } = await loadFixture();
    const only = { ...config, resources: config.resources.filter((r) => r.aiFields[0] === field) };
    await withFakeModelServer(async (server) => {
      server.script(bad);
      const result = await completeConfig(only, options(server));
      const chats = server.requests.filter((r) => r.path === "/api/chat");
      assert.equal(chats.length, 2, "one retry");
      const retryText = JSON.stringify(chats[1].body.messages);
      assert.match(retryText, /rejected/);
      assert.equal(result.diagnostics.length, 1);
      assert.equal(result.diagnostics[0].code, "CW8003");
      assert.match(result.diagnostics[0].detail!, why);
      assert.deepEqual(result.pins, {}, "nothing pinned");
      assert.equal(result.pinsChanged, false);
      const resource = result.config.resources[0];
      assert.equal(resource.attributes[field], undefined, "nothing filled");
    });
  });
}

Deno.test("an invalid first answer followed by a valid one is accepted after the retry", async () => {
  const { config } = await loadFixture();
  const only = { ...config, resources: config.resources.filter((r) => r.address === "file.motd") };
  await withFakeModelServer(async (server) => {
    server.script({ kind: "answer", content: "not json" }, {
      kind: "answer",
      content: GOOD.content,
    });
    const result = await completeConfig(only, options(server));
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.config.resources[0].attributes.content, "Have a nice day!\n");
  });
});

Deno.test("a <think> preamble is removed before the answer is read", async () => {
  const { config } = await loadFixture();
  const only = { ...config, resources: config.resources.filter((r) => r.address === "file.motd") };
  await withFakeModelServer(async (server) => {
    server.script({
      kind: "answer",
      content: `<think>The user wants {"content": "wrong"}</think>\n${GOOD.content}`,
    });
    const result = await completeConfig(only, options(server));
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.config.resources[0].attributes.content, "Have a nice day!\n");
  });
});

for (
  const [name, behaviour, code] of [
    ["HTTP 500", { kind: "status", status: 500, message: "out of memory" }, "CW8002"],
    ["a very slow answer", {
      kind: "slow",
      delayMs: 5000,
      then: { kind: "answer", content: GOOD.content },
    }, "CW8005"],
  ] as const
) {
  Deno.test(`${name} from the model server is a diagnostic, and nothing is pinned`, async () => {
    const { config } = await loadFixture();
    const only = {
      ...config,
      resources: config.resources.filter((r) => r.address === "file.motd"),
    };
    await withFakeModelServer(async (server) => {
      server.script(behaviour as Behaviour);
      const result = await completeConfig(only, options(server));
      assert.equal(result.diagnostics.length, 1);
      assert.equal(result.diagnostics[0].code, code);
      assert.deepEqual(result.pins, {});
    });
  });
}

Deno.test("refresh asks again for a pinned address and replaces its pin", async () => {
  const { config } = await loadFixture();
  const only = { ...config, resources: config.resources.filter((r) => r.address === "file.motd") };
  await withFakeModelServer(async (server) => {
    server.script({ kind: "answer", content: GOOD.content }, {
      kind: "answer",
      content: JSON.stringify({ content: "Second opinion\n" }),
    });
    const first = await completeConfig(only, options(server));
    const second = await completeConfig(only, {
      ...options(server, first.pins),
      refresh: () => true,
    });
    assert.equal(second.config.resources[0].attributes.content, "Second opinion\n");
    assert.equal(Object.keys(second.pins).length, 1, "the old pin is superseded");
    assert.equal(Object.values(second.pins)[0].answer.content, "Second opinion\n");
  });
});

Deno.test("an AI task script may write what the task declares (creates, writes), nothing else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-ai-" });
  const target = join(dir, "out", "hello.txt");
  await Deno.writeTextFile(
    join(dir, "main.cw"),
    `resource "task" "hello" {\n  description = "write hello"\n  creates     = "${target}"\n}\n`,
  );
  const loaded = loadConfig({ dir, vars: [], varFiles: [], env: {}, cwd: dir });
  assert.deepEqual(loaded.diagnostics, []);
  const script = (path: string) =>
    JSON.stringify({ lang: "bash", script: `echo hello > ${path}\n` });
  await withFakeModelServer(async (server) => {
    server.script({ kind: "answer", content: script(target) });
    const allowed = await completeConfig(loaded.config!, options(server));
    assert.deepEqual(allowed.diagnostics, []);
    assert.equal(allowed.config.resources[0]!.attributes.script, `echo hello > ${target}\n`);

    server.script({ kind: "answer", content: script("/etc/cw-elsewhere.txt") });
    const refused = await completeConfig(loaded.config!, options(server));
    assert.equal(refused.diagnostics[0]?.code, "CW8003");
    assert.match(refused.diagnostics[0]!.detail ?? "", /cw-elsewhere\.txt/);
  });
});
