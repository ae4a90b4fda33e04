/** Name suggestions and address ordering shared by the config stage. */

function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/** The closest candidate within an edit distance of 2 (or a third of the name), if any. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(name, c, limit);
    if (d < bestDistance || (d === bestDistance && best !== undefined && c < best)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

export function didYouMean(name: string, candidates: Iterable<string>): string {
  const s = suggest(name, candidates);
  return s === undefined ? "" : ` Did you mean "${s}"?`;
}

/**
 * Orders addresses as users expect: by text, except that numeric indexes
 * compare as numbers (`file.a[2]` before `file.a[10]`).
 */
export function addressSortKey(address: string): string {
  if (!address.includes("[")) return address;
  return address.replace(/\[(\d+)\]/g, (_, n: string) => `[${n.padStart(12, "0")}]`);
}

export function compareAddresses(a: string, b: string): number {
  const ka = addressSortKey(a);
  const kb = addressSortKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function sortAddresses<T>(items: T[], address: (t: T) => string): T[] {
  const keyed = items.map((item) => [addressSortKey(address(item)), item] as const);
  keyed.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return keyed.map(([, item]) => item);
}

/** `file.a`, `file.a[0]`, `file.a["k"]` */
export function instanceAddress(base: string, key: string | number | null): string {
  if (key === null) return base;
  return typeof key === "number" ? `${base}[${key}]` : `${base}[${JSON.stringify(key)}]`;
}
