/**
 * Machine output. Every JSON document and every event line carries
 * `"format_version": "1"` first, so consumers can check it before anything else.
 */
import type { Io } from "../commands/_types.ts";
import { toJsonValue } from "./redact.ts";

export const FORMAT_VERSION = "1";

/** Prints one JSON document (a single line plus newline) on stdout. */
export function jsonOut(io: Io, doc: Record<string, unknown>): void {
  io.stdout(JSON.stringify({ format_version: FORMAT_VERSION, ...toJsonRecord(doc) }) + "\n");
}

export type EventType =
  | "plan"
  | "step_start"
  | "step_end"
  | "assert_result"
  | "summary"
  | "diagnostic"
  | "drift"
  | "log";

/**
 * NDJSON event stream for `apply`, `destroy` and `daemon`: one object per line,
 * flushed per event so a consumer sees progress as it happens.
 */
export class EventWriter {
  constructor(private readonly io: Io) {}

  emit(type: EventType | string, fields: Record<string, unknown> = {}): void {
    this.io.stdout(
      JSON.stringify({ format_version: FORMAT_VERSION, type, ...toJsonRecord(fields) }) + "\n",
    );
  }

  /** `step_start` with the current time in ISO form. */
  stepStart(address: string, action: string, extra: Record<string, unknown> = {}): void {
    this.emit("step_start", { address, action, time: new Date().toISOString(), ...extra });
  }

  stepEnd(
    address: string,
    status: "ok" | "failed" | "skipped",
    durationMs: number,
    extra: Record<string, unknown> = {},
  ): void {
    this.emit("step_end", { address, status, duration_ms: Math.round(durationMs), ...extra });
  }
}

export function eventWriter(io: Io): EventWriter {
  return new EventWriter(io);
}

function toJsonRecord(doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (value !== undefined) out[key] = toJsonValue(value);
  }
  return out;
}
