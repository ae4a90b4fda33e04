/** Reading assertion arguments: required/optional values with clear messages. */
import { isAbsolute, resolve } from "node:path";
import { type Assertion, parseDurationText } from "../config/mod.ts";
import { compileRe2, type Re2, Re2SyntaxError } from "../hcl/mod.ts";

/** A user mistake in an assert block; the runner turns it into a failed result. */
export class ArgumentError extends Error {}

export class Args {
  constructor(private readonly assertion: Assertion) {}

  private raw(name: string): unknown {
    const value = this.assertion.args[name];
    return value === undefined ? null : value;
  }

  has(name: string): boolean {
    return this.raw(name) !== null;
  }

  string(name: string, fallback?: string): string;
  string(name: string, fallback: string | null): string | null;
  string(name: string, fallback?: string | null): string | null {
    const value = this.raw(name);
    if (value === null) {
      if (fallback !== undefined) return fallback;
      throw new ArgumentError(`argument "${name}" is required`);
    }
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    throw new ArgumentError(`argument "${name}" must be a string`);
  }

  number(name: string, fallback?: number): number;
  number(name: string, fallback: number | null): number | null;
  number(name: string, fallback?: number | null): number | null {
    const value = this.raw(name);
    if (value === null) {
      if (fallback !== undefined) return fallback;
      throw new ArgumentError(`argument "${name}" is required`);
    }
    const parsed = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof parsed !== "number" || !Number.isFinite(parsed)) {
      throw new ArgumentError(`argument "${name}" must be a number`);
    }
    return parsed;
  }

  /** One number or a list of numbers (e.g. `expect_status = [200, 204]`). */
  numbers(name: string, fallback: number[]): number[] {
    const value = this.raw(name);
    if (value === null) return fallback;
    const list = Array.isArray(value) ? value : [value];
    const parsed = list.map((item) => typeof item === "string" ? Number(item) : item);
    if (parsed.length === 0 || parsed.some((n) => typeof n !== "number" || !Number.isInteger(n))) {
      throw new ArgumentError(`argument "${name}" must be a number or a list of numbers`);
    }
    return parsed as number[];
  }

  /** A path, relative ones resolved against the declaring module's directory. */
  path(name: string): string {
    const path = this.string(name);
    return isAbsolute(path) ? path : resolve(this.assertion.baseDir, path);
  }

  /** A duration: a number of seconds or a string such as "250ms", "5s", "1m". */
  durationMs(name: string, fallbackMs: number): number {
    const value = this.raw(name);
    if (value === null) return fallbackMs;
    if (typeof value === "number" && value > 0) return value * 1000;
    if (typeof value === "string") {
      // A bare number in text ("5", as a variable may give it) is seconds.
      const ms = /^\s*\d+(\.\d+)?\s*$/.test(value)
        ? Number(value) * 1000
        : parseDurationText(value);
      if (ms !== null && ms > 0) return ms;
    }
    throw new ArgumentError(`argument "${name}" must be a duration such as "5s" or "500ms"`);
  }

  /**
   * A regular expression in RE2 syntax, as Terraform's regex() takes, with
   * `^` and `$` matching at line starts and ends. `source` is the pattern as
   * written, for messages.
   */
  regex(name: string): Re2 {
    const source = this.string(name);
    try {
      return compileRe2(source, { multiLine: true });
    } catch (error) {
      if (!(error instanceof Re2SyntaxError)) throw error;
      throw new ArgumentError(
        `argument "${name}" is not a valid regular expression: ${error.code} in ${error.expr}`,
      );
    }
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export const MIB = 1024 * 1024;

/** Megabytes with two decimals at most, for expected/actual texts. */
export function mb(bytes: number): string {
  return `${Math.round((bytes / MIB) * 100) / 100} MB`;
}
