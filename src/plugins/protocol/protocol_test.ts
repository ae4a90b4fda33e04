import assert from "node:assert/strict";
import * as v from "valibot";
import {
  describePermissions,
  normalizePermissions,
  parseManifest,
  PluginError,
  ResponseSchema,
  serializeLock,
  sha256Hex,
} from "./mod.ts";
import { LockFileSchema } from "./_lock.ts";

const valid = {
  name: "state-pg",
  version: "0.1.0",
  kind: "state",
  entry: "plugin.js",
  sdk: "1",
  permissions: { net: ["db.internal:5432"], env: ["PGPASSWORD"] },
};

Deno.test("manifest: a valid one parses; empty permissions default to none", () => {
  const parsed = parseManifest(JSON.stringify(valid), "m.json");
  assert.deepEqual(parsed.diagnostics, []);
  assert.equal(parsed.value?.kind, "state");
  const bare = parseManifest(JSON.stringify({ ...valid, permissions: undefined }), "m.json");
  assert.deepEqual(bare.value?.permissions, {});
});

Deno.test("manifest: bad names, kinds, entries, sdk and permission keys are CW7001", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...valid, name: "State_PG" }, /name: must be lowercase/],
    [{ ...valid, name: "" }, /name/],
    [{ ...valid, kind: "database" }, /kind/],
    [{ ...valid, entry: "../evil.js" }, /entry: must be a \.js file name beside the manifest/],
    [{ ...valid, entry: "plugin.ts" }, /entry/],
    [{ ...valid, sdk: "2" }, /sdk/],
    [{ ...valid, permissions: { ffi: true } }, /permissions/],
    [{ ...valid, permissions: { read: [""] } }, /permissions\.read/],
  ];
  for (const [manifest, pattern] of cases) {
    const parsed = parseManifest(JSON.stringify(manifest), "m.json");
    assert.equal(parsed.value, undefined, JSON.stringify(manifest));
    assert.equal(parsed.diagnostics[0].code, "CW7001");
    assert.match(parsed.diagnostics[0].detail ?? "", pattern);
  }
  const notJson = parseManifest("{", "m.json");
  assert.match(notJson.diagnostics[0].summary, /not valid JSON/);
});

Deno.test("permissions: normalized (sorted, unique, empty dropped) and described", () => {
  assert.deepEqual(normalizePermissions({ read: ["b", "a", "b"], write: [], net: ["x"] }), {
    net: ["x"],
    read: ["a", "b"],
  });
  assert.deepEqual(describePermissions({}), ["no permissions"]);
  assert.deepEqual(describePermissions({ run: ["sh"], env: ["HOME"] }), [
    "run programs: sh",
    "read environment variables: HOME",
  ]);
});

Deno.test("responses: exactly one of result or error, with an integer id", () => {
  assert.ok(v.is(ResponseSchema, { id: 1, result: null }));
  assert.ok(v.is(ResponseSchema, { id: 2, error: { code: "failed", message: "x" } }));
  assert.ok(!v.is(ResponseSchema, { id: 1.5, result: 1 }));
  assert.ok(!v.is(ResponseSchema, { id: 1, result: 1, error: { code: "failed", message: "" } }));
  assert.ok(!v.is(ResponseSchema, { id: 1, error: { code: "made_up", message: "" } }));
  assert.ok(!v.is(ResponseSchema, "garbage"));
});

Deno.test("PluginError names the plugin and becomes a CW7007 diagnostic", () => {
  const e = new PluginError("ollama", "timeout", 'did not answer "complete" within 5 ms');
  assert.equal(e.message, 'plugin "ollama": did not answer "complete" within 5 ms');
  const d = e.toDiagnostic();
  assert.equal(d.code, "CW7007");
  assert.equal(d.summary, "Plugin timed out");
  assert.equal(d.detail, e.message);
});

Deno.test("lock: stable serialization keeps the ai section and other keys", async () => {
  const sha = await sha256Hex(new TextEncoder().encode("abc"));
  assert.equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const lock = v.parse(LockFileSchema, {
    ai: { pins: { k: "v" } },
    format_version: "1",
    plugins: {
      zeta: { version: "1", kind: "ai", sha256: sha, source: "s", entry: "p.js", permissions: {} },
      alpha: {
        version: "2",
        kind: "runner",
        sha256: sha,
        source: "s",
        entry: "p.js",
        permissions: { run: ["sh", "bash"] },
      },
    },
  });
  const text = serializeLock(lock);
  const reparsed = JSON.parse(text);
  assert.deepEqual(Object.keys(reparsed), ["format_version", "plugins", "ai"]);
  assert.deepEqual(Object.keys(reparsed.plugins), ["alpha", "zeta"]);
  assert.deepEqual(reparsed.plugins.alpha.permissions, { run: ["bash", "sh"] });
  assert.deepEqual(reparsed.ai, { pins: { k: "v" } });
  assert.equal(serializeLock(v.parse(LockFileSchema, reparsed)), text, "idempotent");
  assert.ok(!v.is(LockFileSchema, { format_version: "2" }));
  assert.ok(!v.is(LockFileSchema, { format_version: "1", plugins: { "Bad Name": {} } }));
});
