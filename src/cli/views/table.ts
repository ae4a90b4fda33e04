/** Aligned text tables for human output (`state list`, `plugin list`, `ai status`, …). */
import { type Paint, plainPaint, visibleWidth } from "./paint.ts";

export interface TableOptions {
  /** Column titles; printed in bold when colour is on. */
  readonly header?: readonly string[];
  readonly paint?: Paint;
  /** Columns aligned to the right (numbers), by index. */
  readonly alignRight?: readonly number[];
  /** Spaces between columns. */
  readonly gap?: number;
}

/**
 * Rows of cells become lines with aligned columns; the last column is not
 * padded, so lines carry no trailing spaces. Cells may already be painted.
 */
export function renderTable(
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const paint = options.paint ?? plainPaint;
  const gap = " ".repeat(options.gap ?? 2);
  const all = options.header ? [options.header.map((h) => paint("bold", h)), ...rows] : rows;
  const columns = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from(
    { length: columns },
    (_, i) => Math.max(0, ...all.map((r) => visibleWidth(r[i] ?? ""))),
  );
  const right = new Set(options.alignRight ?? []);
  return all.map((row) =>
    widths.map((width, i) => {
      const cell = row[i] ?? "";
      const fill = " ".repeat(width - visibleWidth(cell));
      if (right.has(i)) return fill + cell;
      return i === columns - 1 ? cell : cell + fill;
    }).join(gap).trimEnd()
  ).join("\n");
}

/** ✓ or ✗, painted green or red. */
export function mark(ok: boolean, paint: Paint = plainPaint): string {
  return ok ? paint("ok", "✓") : paint("error", "✗");
}
