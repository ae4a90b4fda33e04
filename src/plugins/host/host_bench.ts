/**
 * Targets (issue 7): plugin start to first answer < 50 ms; request round
 * trip < 1 ms. Run: deno bench -A --unstable-worker-options src/plugins/host/host_bench.ts
 */
import { PluginHost } from "./mod.ts";
import { sha256Hex } from "../protocol/mod.ts";
import { BUILTIN_PLUGINS } from "../../../plugins/builtins.ts";

const configDir = await Deno.makeTempDir({ prefix: "cw-plugin-bench-" });

// The smallest possible plugin: measures the host and the message channel only.
const tinyCode = `self.onmessage = ({ data }) => postMessage(data.method === "$initialize"
  ? { id: data.id, result: { sdk: "1", methods: ["observe", "execute"] } }
  : { id: data.id, result: { observations: {} } });`;
const tiny = {
  manifest: {
    name: "tiny",
    version: "0",
    kind: "runner" as const,
    entry: "p.js",
    sdk: "1" as const,
    permissions: {},
  },
  code: tinyCode,
  sha256: await sha256Hex(new TextEncoder().encode(tinyCode)),
};
const builtins = [...BUILTIN_PLUGINS, tiny];

Deno.bench("plugin start to first answer (state-file read)", { group: "start" }, async () => {
  using host = new PluginHost({ configDir, builtins });
  await host.state("state-file").read({});
});

Deno.bench("plugin start to first answer (tiny plugin)", { group: "start" }, async () => {
  using host = new PluginHost({ configDir, builtins });
  await host.runner("tiny").observe({ resources: [] });
});

const warm = new PluginHost({ configDir, builtins });
await warm.runner("tiny").observe({ resources: [] });
await warm.state("state-file").write({ content: JSON.stringify({ serial: 1, resources: [] }) });

Deno.bench("request round trip (tiny plugin, validated)", { group: "round trip" }, async () => {
  await warm.runner("tiny").observe({ resources: [] });
});

Deno.bench("request round trip (state-file read)", { group: "round trip" }, async () => {
  await warm.state("state-file").read({});
});

Deno.bench("request round trip (state-file write, fsync)", { group: "round trip" }, async () => {
  await warm.state("state-file").write({ content: '{"serial":2}' });
});
