/**
 * The SDK a plugin bundles: `definePlugin` registers handlers and speaks the
 * message protocol over the Worker's `onmessage`/`postMessage`. It depends on
 * nothing heavier than types so bundles stay small.
 */
import type { PluginKind } from "./_manifest.ts";
import type { MethodName, ParamsOf, ResultOf } from "./_contracts.ts";
import type { InitializeParams, RemoteErrorCode } from "./_messages.ts";

const SDK = "1";
const INIT = "$initialize";

export interface PluginContext {
  readonly name: string;
  readonly configDir: string;
  readonly settings: Readonly<Record<string, unknown>>;
  log(level: "debug" | "info" | "warn" | "error", message: string): void;
}

export type PluginHandlers<K extends PluginKind> = {
  [M in MethodName<K>]: (
    params: ParamsOf<K, M>,
    context: PluginContext,
  ) => ResultOf<K, M> | Promise<ResultOf<K, M>>;
};

export interface PluginDefinition<K extends PluginKind> {
  readonly kind: K;
  readonly handlers: PluginHandlers<K>;
}

/** Throw this from a handler to answer with a specific error code. */
export class RequestError extends Error {
  constructor(readonly code: RemoteErrorCode, message: string) {
    super(message);
  }
}

interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

function errorAnswer(e: unknown): { code: RemoteErrorCode; message: string } {
  if (e instanceof RequestError) return { code: e.code, message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  if (err.name === "NotCapable" || err.name === "PermissionDenied") {
    return { code: "permission_denied", message: err.message };
  }
  return { code: "failed", message: `${err.name}: ${err.message}` };
}

export function definePlugin<K extends PluginKind>(definition: PluginDefinition<K>): void {
  const scope = globalThis as unknown as WorkerScope;
  const handlers = definition.handlers as Record<
    string,
    (params: unknown, context: PluginContext) => unknown
  >;
  let context: PluginContext | undefined;
  let liveness: Int32Array | undefined;
  const stopped = () => liveness !== undefined && Atomics.load(liveness, 0) === 0;
  const log = (level: "debug" | "info" | "warn" | "error", message: string) =>
    scope.postMessage({ log: level, message: String(message).slice(0, 4000) });

  scope.onmessage = async (event: MessageEvent) => {
    const request = event.data as { id?: unknown; method?: unknown; params?: unknown };
    if (typeof request !== "object" || request === null || typeof request.id !== "number") return;
    const id = request.id;
    // A request delivered after the host stopped this Worker: nobody waits for
    // its answer, and its side effects would race the Worker that replaced it.
    if (stopped()) return;
    try {
      if (request.method === INIT) {
        const init = request.params as InitializeParams;
        context = { name: init.name, configDir: init.configDir, settings: init.settings, log };
        if (init.liveness instanceof SharedArrayBuffer) liveness = new Int32Array(init.liveness);
        scope.postMessage({ id, result: { sdk: SDK, methods: Object.keys(handlers) } });
        return;
      }
      const method = String(request.method);
      const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
      if (!handler || !context) {
        const reason = context ? `unknown method "${method}"` : "not initialized";
        scope.postMessage({ id, error: { code: "unknown_method", message: reason } });
        return;
      }
      const result = await handler(request.params ?? {}, context);
      scope.postMessage({ id, result });
    } catch (e) {
      scope.postMessage({ id, error: errorAnswer(e) });
    }
  };
}
