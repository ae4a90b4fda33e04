/**
 * The repair budget: at most N repairs of one resource within a sliding
 * window (an hour by default). The history is kept in a small file beside the
 * state, so `daemon --once` run from cron respects the budget too.
 */
import { dirname } from "node:path";

interface HistoryDocument {
  format_version: "1";
  /** Address → ISO times of repair attempts within the window. */
  repairs: Record<string, string[]>;
}

export class RepairBudget {
  readonly #times = new Map<string, number[]>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    /** Where the history persists; null keeps it in memory only. */
    readonly path: string | null = null,
  ) {
    if (path) this.#load(path);
  }

  #recent(address: string, now: number): number[] {
    const all = this.#times.get(address) ?? [];
    const recent = all.filter((t) => t > now - this.windowMs && t <= now);
    if (recent.length !== all.length) {
      if (recent.length) this.#times.set(address, recent);
      else this.#times.delete(address);
    }
    return recent;
  }

  count(address: string, now: number): number {
    return this.#recent(address, now).length;
  }

  allows(address: string, now: number): boolean {
    return this.count(address, now) < this.max;
  }

  /** Counts one repair attempt (successful or not) and persists the history. */
  record(addresses: readonly string[], now: number): void {
    for (const address of addresses) {
      this.#times.set(address, [...this.#recent(address, now), now]);
    }
    if (this.path) this.#save(this.path, now);
  }

  windowText(): string {
    const minutes = this.windowMs / 60_000;
    if (minutes === 60) return "in the last hour";
    return minutes >= 1 && Number.isInteger(minutes)
      ? `in the last ${minutes} minutes`
      : `in the last ${Math.round(this.windowMs / 1000)} s`;
  }

  #load(path: string): void {
    let doc: HistoryDocument;
    try {
      doc = JSON.parse(Deno.readTextFileSync(path));
    } catch {
      return; // absent or unreadable: start with a fresh budget
    }
    if (!doc || typeof doc.repairs !== "object" || doc.repairs === null) return;
    for (const [address, times] of Object.entries(doc.repairs)) {
      if (!Array.isArray(times)) continue;
      const parsed = times.map((t) => Date.parse(String(t))).filter((t) => Number.isFinite(t));
      if (parsed.length) this.#times.set(address, parsed);
    }
  }

  #save(path: string, now: number): void {
    const repairs: Record<string, string[]> = {};
    for (const address of [...this.#times.keys()].sort()) {
      const recent = this.#recent(address, now);
      if (recent.length) repairs[address] = recent.map((t) => new Date(t).toISOString());
    }
    const doc: HistoryDocument = { format_version: "1", repairs };
    const temp = `${path}.${Deno.pid}.tmp`;
    try {
      Deno.mkdirSync(dirname(path), { recursive: true });
      Deno.writeTextFileSync(temp, JSON.stringify(doc, null, 2) + "\n", { mode: 0o600 });
      Deno.renameSync(temp, path);
    } catch {
      // The budget still holds in memory for this process; losing the file only
      // resets the count for the next one.
      try {
        Deno.removeSync(temp);
      } catch { /* nothing was written */ }
    }
  }
}
