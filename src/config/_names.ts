/** Name suggestions and address ordering shared by the config stage. */
import { didYouMean as hclDidYouMean } from "../hcl/mod.ts";

/** "Did you mean …?" within a third of the name's length (at least 2 edits). */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  return hclDidYouMean(name, candidates, Math.max(2, Math.floor(name.length / 3)));
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
  const n = items.length;
  // Built by push and map, not new Array(n): callers get a packed array, not a holey one.
  const keys: string[] = [];
  let ordered = true;
  for (let i = 0; i < n; i++) {
    const key = addressSortKey(address(items[i]));
    if (i > 0 && !(keys[i - 1] < key)) ordered = false;
    keys.push(key);
  }
  // Lists sorted once are often sorted again further down the pipeline (the
  // planner receives the configuration's resources in order): one pass tells.
  if (ordered) return items.slice();
  const byKey = new Map<string, T>();
  for (let i = 0; i < n; i++) byKey.set(keys[i], items[i]);
  if (byKey.size === n) {
    // Distinct keys, the usual case: the built-in string order needs no
    // comparator, and a comparator runs unoptimised in a short-lived process.
    keys.sort();
    return keys.map((key) => byKey.get(key)!);
  }
  const keyed = items.map((item, i) => [keys[i], item] as const);
  keyed.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return keyed.map(([, item]) => item);
}

/** `file.a`, `file.a[0]`, `file.a["k"]` */
export function instanceAddress(base: string, key: string | number | null): string {
  if (key === null) return base;
  return typeof key === "number" ? `${base}[${key}]` : `${base}[${JSON.stringify(key)}]`;
}
