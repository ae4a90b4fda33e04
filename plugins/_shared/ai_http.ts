/**
 * Pieces both built-in AI provider plugins bundle: request shapes, the error
 * they report, and the timeout wrapper around fetch.
 */

export interface ProviderSettings {
  readonly baseUrl: string;
  readonly apiKey?: string;
}

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly { role: string; content: string }[];
  readonly schema: Readonly<Record<string, unknown>>;
  readonly stream: boolean;
  readonly timeoutMs: number;
}

export class ProviderCallError extends Error {
  constructor(message: string, readonly reason: "timeout" | "http" | "connection" | "protocol") {
    super(message);
  }
}

/** Runs `call` with a fetch that is aborted after `timeoutMs`; maps failures to ProviderCallError. */
export async function withTimeout<T>(
  timeoutMs: number,
  call: (fetchWithSignal: typeof fetch) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const fetchWithSignal: typeof fetch = (input, init) =>
    fetch(input, { ...init, signal: controller.signal });
  try {
    return await call(fetchWithSignal);
  } catch (e) {
    if (e instanceof ProviderCallError) throw e;
    if (timedOut) throw new ProviderCallError(`no answer within ${timeoutMs} ms`, "timeout");
    const message = e instanceof Error ? e.message : String(e);
    const status = (e as { status_code?: number })?.status_code;
    if (typeof status === "number") {
      throw new ProviderCallError(`HTTP ${status}: ${message}`, "http");
    }
    if (
      e instanceof TypeError ||
      /connect|connection|refused|reset|closed|error reading/i.test(message)
    ) {
      throw new ProviderCallError(`connection failed: ${message}`, "connection");
    }
    throw new ProviderCallError(message, "protocol");
  } finally {
    clearTimeout(timer);
  }
}
