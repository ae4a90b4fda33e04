import assert from "node:assert/strict";
import { topologicalOrder, topologicalOrderOfIndexes } from "./_order.ts";

Deno.test("topologicalOrder: dependencies first, ties broken by key", () => {
  const deps: Record<string, string[]> = { a: ["c"], b: [], c: [], d: ["a", "zzz"] };
  const rank: Record<string, string> = { a: "1", b: "3", c: "2", d: "0" };
  // Ready at the start: b and c; c has the smaller key. Then a (key 1) before b (key 3).
  const result = topologicalOrder(["a", "b", "c", "d"], (id) => deps[id], (id) => rank[id]);
  assert.deepEqual(result, { order: ["c", "a", "d", "b"], stuck: [] });
});

Deno.test("topologicalOrder: without keys, ids order ties; cycles are reported as stuck", () => {
  const deps: Record<string, string[]> = { x: ["y"], y: ["x"], w: ["x"], v: [] };
  const result = topologicalOrder(["x", "y", "w", "v"], (id) => deps[id]);
  assert.deepEqual(result, { order: ["v"], stuck: ["x", "y", "w"] });
});

Deno.test("topologicalOrderOfIndexes: the smaller index goes first among ready items", () => {
  assert.deepEqual(topologicalOrderOfIndexes([[2], [], [], [0, 3]]), {
    order: [1, 2, 0, 3],
    stuck: [],
  });
  assert.deepEqual(topologicalOrderOfIndexes([[0]]), { order: [0], stuck: [] }, "self ignored");
});
