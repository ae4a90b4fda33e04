/**
 * State recording through the state plugin, as apply does it: 1,000 and
 * 5,000 finished steps appended in batches of 10 (one durable `append`
 * request each) to the `state-file` Worker, then one `compact`.
 *
 *   deno bench -A --unstable-worker-options src/cli/state_backend_bench.ts
 */
import { applyJournal, digestAttributes, emptyState, type JournalEntry } from "../state/mod.ts";
import { withStateStore } from "./state_backend.ts";

function entry(i: number): JournalEntry {
  const attributes = { path: `/srv/out/f${i}.txt`, content: `file ${i}\n` };
  return {
    t: "put",
    resource: {
      address: `file.f[${i}]`,
      type: "file",
      module: [],
      attributes,
      sensitiveAttributes: [],
      digest: digestAttributes(attributes),
      dependencies: [],
      observed: { sha256: "0".repeat(64), mode: "0644", size: 10 },
      host: null,
      preventDestroy: false,
    },
  };
}

async function record(steps: number): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cw-bench-store-" });
  const failed = await withStateStore(dir, { backend: null, path: null }, async (store) => {
    await store.lock({ pid: Deno.pid, host: "bench", command: "bench", started: "now" });
    const base = emptyState();
    store.beginJournal(base);
    const entries: JournalEntry[] = [];
    for (let i = 0; i < steps; i += 10) {
      const batch = Array.from({ length: 10 }, (_, k) => entry(i + k));
      entries.push(...batch);
      await store.appendJournal(batch);
    }
    const written = await store.compact({ ...applyJournal(base, entries), serial: 1 });
    await store.unlock();
    return written.length > 0;
  }, () => true);
  await Deno.remove(dir, { recursive: true });
  if (failed) throw new Error("recording failed");
}

Deno.bench("record 1,000 steps through state-file (journal + compaction)", {
  group: "record",
  baseline: true,
  n: 5,
}, async () => {
  await record(1000);
});

Deno.bench("record 5,000 steps through state-file (journal + compaction)", {
  group: "record",
  n: 5,
}, async () => {
  await record(5000);
});
