/**
 * Deterministic topological order: Kahn's algorithm whose ready set is a
 * min-heap, so ties always break the same way (by key; by address in plans).
 * Works on indexes internally: plans of tens of thousands of steps order in
 * a few milliseconds.
 */

/** A binary min-heap of non-negative integers. */
class IndexHeap {
  readonly #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(index: number): void {
    const items = this.#items;
    let i = items.length;
    items.push(index);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent] <= index) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = index;
  }

  pop(): number {
    const items = this.#items;
    const top = items[0];
    const last = items.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && items[r] < items[l] ? r : l;
        if (items[m] >= last) break;
        items[i] = items[m];
        i = m;
      }
      items[i] = last;
    }
    return top;
  }
}

export interface TopoResult {
  readonly order: string[];
  /** Ids that could not be ordered because they sit on or behind a cycle, in input order. */
  readonly stuck: string[];
}

/**
 * Orders `ids` so every id comes after those in `deps(id)`. Dependencies not
 * in `ids` are ignored. `key` gives the tie-break order.
 */
export function topologicalOrder(
  ids: readonly string[],
  deps: (id: string) => readonly string[],
  key: (id: string) => string = (id) => id,
): TopoResult {
  const n = ids.length;
  // Number the ids in tie-break order, so the indexed form's tie-break (the
  // smaller index first) is the key order.
  const keys = ids.map(key);
  const byKey = ids.map((_, i) => i).sort((a, b) =>
    keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b
  );
  const rank = new Map<string, number>();
  for (let r = 0; r < n; r++) rank.set(ids[byKey[r]], r);
  const depRanks: number[][] = new Array(n);
  for (let r = 0; r < n; r++) {
    const list: number[] = [];
    for (const d of deps(ids[byKey[r]])) {
      const j = rank.get(d);
      if (j !== undefined) list.push(j);
    }
    depRanks[r] = list;
  }
  const { order, stuck } = topologicalOrderOfIndexes(depRanks);
  const stuckInInputOrder = stuck.map((r) => byKey[r]).sort((a, b) => a - b);
  return { order: order.map((r) => ids[byKey[r]]), stuck: stuckInInputOrder.map((i) => ids[i]) };
}

/**
 * The same order over items 0…n-1 given as indexes: `deps[i]` lists what item
 * i comes after (self-references ignored); among items ready at the same time
 * the smaller index goes first. The planner numbers its steps in address
 * order and uses this form directly: no string is built or compared per step.
 */
export function topologicalOrderOfIndexes(
  deps: readonly (readonly number[])[],
): { order: number[]; stuck: number[] } {
  const n = deps.length;
  const indegree = new Int32Array(n);
  const dependents: number[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    for (const j of deps[i]) {
      if (j === i) continue;
      indegree[i]++;
      (dependents[j] ??= []).push(i);
    }
  }
  const heap = new IndexHeap();
  for (let i = 0; i < n; i++) if (indegree[i] === 0) heap.push(i);
  const order: number[] = [];
  while (heap.size > 0) {
    const i = heap.pop();
    order.push(i);
    const next = dependents[i];
    if (!next) continue;
    for (const j of next) if (--indegree[j] === 0) heap.push(j);
  }
  const stuck: number[] = [];
  if (order.length !== n) { for (let i = 0; i < n; i++) if (indegree[i] > 0) stuck.push(i); }
  return { order, stuck };
}
