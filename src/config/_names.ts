/** Name suggestions and address ordering shared by the config stage. */
import { didYouMean as hclDidYouMean } from "../hcl/mod.ts";

/** "Did you mean …?" within a third of the name's length (at least 2 edits). */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  // Two edits turn any short name into another ("data" into "path"): one is the most that still reads as a typo.
  const distance = name.length <= 4 ? 1 : Math.max(2, Math.floor(name.length / 3));
  return hclDidYouMean(name, candidates, distance);
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

/** One dot-separated part of an address: `module`, `site["blue"]`, `file`, `x[0]`. */
export interface AddressStep {
  readonly name: string;
  /** The instance key written after the name, or null. */
  readonly key: string | number | null;
}

/**
 * `module.site["blue"].file.x[0]` → module, site["blue"], file, x[0].
 * Quoted keys may hold dots and brackets. Undefined for text that is not an
 * address (a name missing, an unterminated key).
 */
export function addressSteps(address: string): AddressStep[] | undefined {
  const steps: AddressStep[] = [];
  let i = 0;
  while (true) {
    const start = i;
    while (i < address.length && address[i] !== "." && address[i] !== "[") i++;
    if (i === start) return undefined;
    const name = address.slice(start, i);
    let key: string | number | null = null;
    if (address[i] === "[") {
      const close = keyEnd(address, i + 1);
      if (close < 0) return undefined;
      const text = address.slice(i + 1, close);
      if (/^\d+$/.test(text)) key = Number(text);
      else {
        try {
          key = JSON.parse(text);
        } catch {
          return undefined;
        }
        if (typeof key !== "string") return undefined;
      }
      i = close + 1;
    }
    steps.push({ name, key });
    if (i === address.length) return steps;
    if (address[i] !== ".") return undefined;
    i++;
  }
}

/** Index of the `]` closing a key that starts at `from`, skipping a quoted string; -1 when none. */
function keyEnd(text: string, from: number): number {
  let i = from;
  if (text[i] === '"') {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) return -1;
    i++;
  } else {
    while (i < text.length && text[i] !== "]") i++;
  }
  return text[i] === "]" ? i : -1;
}
