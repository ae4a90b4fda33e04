/**
 * Deterministic topological order: Kahn's algorithm whose ready set is a
 * min-heap on a sort key, so ties always break the same way (by address).
 */

class MinHeap {
  readonly #items: { key: string; id: string }[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(key: string, id: string): void {
    const items = this.#items;
    items.push({ key, id });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent].key <= key) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }

  pop(): string {
    const items = this.#items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && items[l].key < items[m].key) m = l;
        if (r < items.length && items[r].key < items[m].key) m = r;
        if (m === i) break;
        [items[m], items[i]] = [items[i], items[m]];
        i = m;
      }
    }
    return top.id;
  }
}

export interface TopoResult {
  readonly order: string[];
  /** Ids that could not be ordered because they sit on or behind a cycle. */
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
  const present = new Set(ids);
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const id of ids) {
    let n = 0;
    for (const d of deps(id)) {
      if (!present.has(d) || d === id) continue;
      n++;
      const list = dependents.get(d);
      if (list) list.push(id);
      else dependents.set(d, [id]);
    }
    indegree.set(id, n);
  }
  const heap = new MinHeap();
  for (const id of ids) if (indegree.get(id) === 0) heap.push(key(id), id);
  const order: string[] = [];
  while (heap.size > 0) {
    const id = heap.pop();
    order.push(id);
    for (const d of dependents.get(id) ?? []) {
      const left = indegree.get(d)! - 1;
      indegree.set(d, left);
      if (left === 0) heap.push(key(d), d);
    }
  }
  const stuck = order.length === ids.length ? [] : ids.filter((id) => indegree.get(id)! > 0);
  return { order, stuck };
}
