/**
 * Pinned AI answers live in the `ai` section of `clockwork.lock`, keyed by a
 * digest of the resource address, the request and the model, so the next
 * plan reuses them with no model at all. Other sections of the lock file
 * (plugins) are preserved untouched.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import * as v from "valibot";
import { type Diagnostic, error } from "../hcl/mod.ts";
import type { AiRequest } from "./_prompts.ts";

export const LOCK_FILE = "clockwork.lock";

export const PinSchema = v.object({
  address: v.string(),
  field: v.picklist(["content", "image", "script", "runbook"]),
  provider: v.string(),
  model: v.string(),
  request: v.unknown(),
  answer: v.record(v.string(), v.unknown()),
});
export type Pin = v.InferOutput<typeof PinSchema>;
export type PinTable = Record<string, Pin>;

export function pinKey(request: AiRequest, model: string): string {
  const canonical = JSON.stringify([
    request.address,
    request.field,
    request.description,
    sortKeys(request.context),
    model,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

export interface LoadedPins {
  readonly pins: PinTable;
  readonly diagnostics: Diagnostic[];
}

export function readPins(rootDir: string): LoadedPins {
  const file = path.join(rootDir, LOCK_FILE);
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { pins: {}, diagnostics: [] };
    throw e;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return {
      pins: {},
      diagnostics: [error("CW8010", `${LOCK_FILE} is not valid JSON`, undefined, {
        detail: `Fix or restore ${file} from version control.`,
      })],
    };
  }
  const section = (doc as { ai?: unknown })?.ai;
  if (section === undefined) return { pins: {}, diagnostics: [] };
  const pins: PinTable = {};
  const diagnostics: Diagnostic[] = [];
  if (section === null || typeof section !== "object" || Array.isArray(section)) {
    diagnostics.push(error("CW8010", `the "ai" section of ${LOCK_FILE} is not an object`));
    return { pins, diagnostics };
  }
  for (const [key, raw] of Object.entries(section)) {
    const parsed = v.safeParse(PinSchema, raw);
    if (parsed.success) pins[key] = parsed.output;
    else {
      diagnostics.push(
        error(
          "CW8010",
          `pinned AI answer ${key.slice(0, 12)} in ${LOCK_FILE} is malformed`,
          undefined,
          {
            detail:
              "Remove it with `clockwork ai refresh` or restore the lock file from version control.",
          },
        ),
      );
    }
  }
  return { pins, diagnostics };
}

/** Rewrites the `ai` section atomically (temporary file, fsync, rename), keeping every other section. */
export function writePins(rootDir: string, pins: PinTable): void {
  const file = path.join(rootDir, LOCK_FILE);
  let doc: Record<string, unknown> = { format_version: "1" };
  try {
    const parsed = JSON.parse(Deno.readTextFileSync(file));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) doc = parsed;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound) && !(e instanceof SyntaxError)) throw e;
  }
  const sorted: PinTable = {};
  for (const key of Object.keys(pins).sort()) sorted[key] = pins[key];
  doc.ai = sorted;
  const tmp = `${file}.tmp-${Deno.pid}`;
  const handle = Deno.openSync(tmp, { write: true, create: true, truncate: true });
  try {
    handle.writeSync(new TextEncoder().encode(JSON.stringify(doc, null, 2) + "\n"));
    handle.syncSync();
  } finally {
    handle.close();
  }
  Deno.renameSync(tmp, file);
}

/** Pins of other requests for the same address and field are superseded by a new one. */
export function replacePin(pins: PinTable, key: string, pin: Pin): PinTable {
  const out: PinTable = {};
  for (const [k, p] of Object.entries(pins)) {
    if (p.address === pin.address && p.field === pin.field) continue;
    out[k] = p;
  }
  out[key] = pin;
  return out;
}

export function removePins(pins: PinTable, address?: string): PinTable {
  const out: PinTable = {};
  for (const [k, p] of Object.entries(pins)) {
    if (address !== undefined && p.address !== address && !p.address.startsWith(`${address}[`)) {
      out[k] = p;
    }
  }
  return out;
}
