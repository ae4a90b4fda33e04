/**
 * The wire protocol between the host and a plugin Worker: requests with ids,
 * one response per request, and bounded log notifications from the plugin.
 */
import * as v from "valibot";
import type { Diagnostic } from "../../hcl/mod.ts";
import { pluginDiagnostic } from "./_diagnostic.ts";

/** Error codes a plugin may answer with. */
export const REMOTE_ERROR_CODES = [
  "permission_denied",
  "invalid_params",
  "unknown_method",
  "not_found",
  "conflict",
  "failed",
  "internal",
] as const;
export type RemoteErrorCode = (typeof REMOTE_ERROR_CODES)[number];

export interface Request {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

export const ResponseSchema = v.union([
  v.strictObject({ id: v.pipe(v.number(), v.integer()), result: v.unknown() }),
  v.strictObject({
    id: v.pipe(v.number(), v.integer()),
    error: v.strictObject({
      code: v.picklist(REMOTE_ERROR_CODES),
      message: v.pipe(v.string(), v.maxLength(4000)),
    }),
  }),
]);
export type Response = v.InferOutput<typeof ResponseSchema>;

export const LogSchema = v.strictObject({
  log: v.picklist(["debug", "info", "warn", "error"]),
  message: v.pipe(v.string(), v.maxLength(4000)),
});
export type LogMessage = v.InferOutput<typeof LogSchema>;

/** Sent by the host's prologue inside the Worker when the plugin throws uncaught. */
export const CrashSchema = v.strictObject({ $crash: v.string() });

/** The first request the host sends; the answer proves the plugin is alive. */
export const INITIALIZE = "$initialize";
export interface InitializeParams {
  readonly name: string;
  readonly sdk: string;
  /** Absolute configuration directory; grants are resolved against it. */
  readonly configDir: string;
  /** Plugin settings from configuration, passed through untouched. */
  readonly settings: Readonly<Record<string, unknown>>;
  /**
   * One Int32 the host sets to 0 just before it terminates the Worker. Deno
   * still runs the synchronous start of a handler for a message that arrives
   * after `terminate()`, so the SDK reads this before dispatching; without it
   * a stopped state plugin could delete the temp files of its successor.
   */
  readonly liveness?: SharedArrayBuffer;
}
export const InitializeResultSchema = v.object({
  sdk: v.string(),
  methods: v.array(v.string()),
});

/** Why a plugin call failed, from the host's point of view. */
export type PluginFailure =
  | "not_installed"
  | "integrity"
  | "rejected"
  | "start"
  | "crashed"
  | "timeout"
  | "protocol"
  | "flood"
  | "denied"
  | "remote"
  | "closed";

/**
 * Every failure of a plugin surfaces as this one error type, naming the plugin
 * and saying what went wrong.
 */
export class PluginError extends Error {
  override readonly name = "PluginError";
  constructor(
    readonly plugin: string,
    readonly failure: PluginFailure,
    message: string,
    /** The code the plugin answered with, for `remote` and `denied`. */
    readonly remoteCode?: RemoteErrorCode,
  ) {
    super(`plugin "${plugin}": ${message}`);
  }

  toDiagnostic(): Diagnostic {
    const summaries: Record<PluginFailure, string> = {
      not_installed: "Plugin is not installed",
      integrity: "Plugin bytes do not match clockwork.lock",
      rejected: "Plugin bundle rejected",
      start: "Plugin failed to start",
      crashed: "Plugin crashed",
      timeout: "Plugin timed out",
      protocol: "Plugin broke the protocol",
      flood: "Plugin flooded the host with messages",
      denied: "Plugin was denied a permission",
      remote: "Plugin request failed",
      closed: "Plugin host is closed",
    };
    return pluginDiagnostic("CW7007", summaries[this.failure], this.message);
  }
}
