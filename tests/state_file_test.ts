import assert from "node:assert/strict";
import { join } from "node:path";
import { openStateStore, type StateHandle } from "../src/cli/state_backend.ts";
import {
  digestAttributes,
  emptyState,
  loadState,
  serializeState,
  type StateResource,
} from "../src/state/mod.ts";

function resource(address: string, content: string): StateResource {
  const attributes = { path: `/tmp/${address}`, content };
  return {
    address,
    type: "file",
    module: [],
    attributes,
    sensitiveAttributes: [],
    digest: digestAttributes(attributes),
    dependencies: [],
    observed: null,
    host: null,
    preventDestroy: false,
  };
}

async function tempRoot(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "cw-state-test-" });
}

/** A `StateStore` over the real state-file plugin (its own Worker), as the program opens it. */
async function openFileStore(root: string, path: string | null = null): Promise<StateHandle> {
  const opened = await openStateStore(root, { backend: null, path, options: {} });
  assert.deepEqual(opened.diagnostics, []);
  return opened.value!;
}

Deno.test("loadState: no state yet is null without diagnostics", async () => {
  const root = await tempRoot();
  const result = loadState(root);
  assert.equal(result.value, null);
  assert.deepEqual(result.diagnostics, []);
});

Deno.test("write then load round-trips; files are 0600; backup keeps the previous version", async () => {
  const root = await tempRoot();
  const handle = await openFileStore(root);
  try {
    const first = { ...emptyState(), serial: 1, resources: [resource("file.a", "one")] };
    assert.deepEqual(await handle.store.compact(first), []);
    const second = { ...first, serial: 2, resources: [resource("file.a", "two")] };
    assert.deepEqual(await handle.store.compact(second), []);
    const loaded = loadState(root);
    assert.deepEqual(loaded.diagnostics, []);
    assert.deepEqual(loaded.value, second);
    const statePath = join(root, ".clockwork/state.json");
    assert.equal(Deno.statSync(statePath).mode! & 0o777, 0o600);
    const backup = JSON.parse(Deno.readTextFileSync(statePath + ".backup"));
    assert.equal(backup.serial, 1);
    assert.equal(Deno.statSync(statePath + ".backup").mode! & 0o777, 0o600);
  } finally {
    handle.close();
  }
});

Deno.test("a hand-edited state is refused with recovery advice", async () => {
  const root = await tempRoot();
  const handle = await openFileStore(root);
  try {
    const { store } = handle;
    await store.compact({ ...emptyState(), serial: 1, resources: [resource("file.a", "zero")] });
    // The second write keeps the first as state.json.backup, which the advice may then name.
    await store.compact({ ...emptyState(), serial: 2, resources: [resource("file.a", "one")] });
  } finally {
    handle.close();
  }
  const path = join(root, ".clockwork/state.json");
  Deno.writeTextFileSync(path, Deno.readTextFileSync(path).replace('"one"', '"evil"'));
  const result = loadState(root);
  assert.equal(result.value, null);
  assert.equal(result.diagnostics[0].code, "CW5001");
  assert.match(result.diagnostics[0].notes!.join("\n"), /state\.json\.backup/);
});

Deno.test("a truncated state is refused", async () => {
  const root = await tempRoot();
  const handle = await openFileStore(root);
  try {
    await handle.store.compact({
      ...emptyState(),
      serial: 1,
      resources: [resource("file.a", "one")],
    });
  } finally {
    handle.close();
  }
  const path = join(root, ".clockwork/state.json");
  const text = Deno.readTextFileSync(path);
  Deno.writeTextFileSync(path, text.slice(0, text.length / 2));
  const result = loadState(root);
  assert.equal(result.value, null);
  assert.equal(result.diagnostics[0].code, "CW5002");
});

Deno.test("journal: entries replay over state.json; a torn last line is dropped; compaction removes it", async () => {
  const root = await tempRoot();
  const handle = await openFileStore(root);
  try {
    const { store } = handle;
    const base = { ...emptyState(), serial: 3, resources: [resource("file.a", "one")] };
    await store.compact(base);
    store.beginJournal(base);
    await store.appendJournal([{ t: "put", resource: resource("file.b", "b") }]);
    await store.appendJournal([{ t: "rm", address: "file.a" }]);
    const journalPath = join(root, ".clockwork/state.journal");
    Deno.writeTextFileSync(journalPath, '{"t":"put","resource":{"addr', { append: true });
    const replayed = loadState(root);
    assert.deepEqual(replayed.value!.resources.map((r) => r.address), ["file.b"]);
    assert.equal(replayed.value!.serial, 4);
    assert.equal(replayed.diagnostics[0]?.code, "CW5004");
    // The program's reader (the plugin drops the cut-off record) sees the same.
    const read = await store.read();
    assert.deepEqual(read.value, replayed.value);
    assert.equal(read.diagnostics[0]?.code, "CW5004");
    await store.compact(replayed.value!);
    assert.throws(() => Deno.statSync(journalPath));
    const after = loadState(root);
    assert.equal(after.value!.serial, 4);
    assert.deepEqual(after.value!.resources.map((r) => r.address), ["file.b"]);
  } finally {
    handle.close();
  }
});

Deno.test("journal against an older serial (already compacted) is ignored", async () => {
  const root = await tempRoot();
  const handle = await openFileStore(root);
  try {
    const { store } = handle;
    const base = { ...emptyState(), serial: 1, resources: [] };
    await store.compact(base);
    store.beginJournal(base);
    await store.appendJournal([{ t: "put", resource: resource("file.b", "b") }]);
    // The run wrote the compacted state but died before removing the journal.
    await store.plugin.write({
      content: serializeState({ ...base, serial: 2, resources: [resource("file.b", "b")] }),
    });
  } finally {
    handle.close();
  }
  const loaded = loadState(root);
  assert.equal(loaded.value!.serial, 2);
  assert.equal(loaded.value!.resources.length, 1);
});

Deno.test("journal without state.json (first apply killed) still records its steps", async () => {
  const root = await tempRoot();
  const handle = await openFileStore(root);
  try {
    const base = emptyState();
    handle.store.beginJournal(base);
    await handle.store.appendJournal([{ t: "put", resource: resource("file.a", "a") }]);
    const loaded = loadState(root);
    assert.equal(loaded.value!.lineage, base.lineage);
    assert.deepEqual(loaded.value!.resources.map((r) => r.address), ["file.a"]);
  } finally {
    handle.close();
  }
});

Deno.test("lock: a second holder fails naming the first; a dead holder gets force-unlock advice", async () => {
  const root = await tempRoot();
  const first = await openFileStore(root);
  const other = await openFileStore(root);
  try {
    const info = {
      pid: Deno.pid,
      host: Deno.hostname(),
      command: "apply",
      started: new Date().toISOString(),
    };
    assert.deepEqual(await first.store.lock(info), []);
    const second = await other.store.lock({ ...info, command: "destroy" });
    assert.equal(second[0].code, "CW5010");
    assert.match(second[0].summary, new RegExp(`pid ${Deno.pid}.*apply`));
    const refused = await other.store.forceUnlock();
    assert.equal(refused.diagnostics[0].code, "CW5013");
    await first.store.unlock();
    // A lock from a process that no longer exists.
    const dead = new Deno.Command("true").spawn();
    await dead.status;
    Deno.writeTextFileSync(
      join(root, ".clockwork/state.lock"),
      JSON.stringify({ ...info, pid: dead.pid }),
    );
    const stale = await other.store.lock(info);
    assert.equal(stale[0].code, "CW5011");
    assert.match(stale[0].notes!.join(" "), /force-unlock/);
    const forced = await other.store.forceUnlock();
    assert.equal(forced.removed!.pid, dead.pid);
    assert.deepEqual(await other.store.lock(info), []);
    await other.store.unlock();
  } finally {
    first.close();
    other.close();
  }
});

Deno.test("state path is configurable", async () => {
  const root = await tempRoot();
  const handle = await openFileStore(root, "custom/s.json");
  try {
    await handle.store.compact({ ...emptyState(), serial: 1 });
  } finally {
    handle.close();
  }
  assert.equal(loadState(root, { path: "custom/s.json" }).value!.serial, 1);
  assert.equal(loadState(root).value, null);
});
