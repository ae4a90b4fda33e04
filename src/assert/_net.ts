/** http, response_time and port: the network kinds, through fetch and Deno.connect. */
import type { Args } from "./_args.ts";
import type { Verdict } from "./types.ts";

const DEFAULT_TIMEOUT_MS = 10_000;

/** A fetch or connect failure in a few words ("connection refused", "no response within 5000 ms"). */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (
    error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")
  ) {
    return `no response within ${timeoutMs} ms`;
  }
  let text = error instanceof Error ? error.message : String(error);
  // fetch says "fetch failed" and puts the reason in `cause`.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) text = `${text}: ${cause.message}`;
  if (/refused/i.test(text)) return "connection refused";
  if (/dns error|failed to lookup|name or service not known/i.test(text)) return "host not found";
  if (/timed out/i.test(text)) return "connection timed out";
  return text.replace(/\s+/g, " ").trim();
}

export async function checkHttp(args: Args): Promise<Verdict> {
  const url = args.string("url");
  const statuses = args.numbers("expect_status", [200]);
  const needle = args.string("body_contains", null);
  const timeoutMs = args.durationMs("timeout", DEFAULT_TIMEOUT_MS);
  const wantsRedirect = statuses.some((status) => status >= 300 && status < 400);
  const expected = statusText(statuses) +
    (needle === null ? "" : `, body contains ${JSON.stringify(needle)}`);
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: wantsRedirect ? "manual" : "follow",
    });
  } catch (error) {
    const actual = describeNetworkError(error, timeoutMs);
    return { passed: false, expected, actual, message: `GET ${url}: ${actual}` };
  }
  let body = "";
  try {
    if (needle === null) await response.body?.cancel();
    else body = await response.text();
  } catch (error) {
    const actual = `status ${response.status}, body unreadable: ${
      describeNetworkError(error, timeoutMs)
    }`;
    return { passed: false, expected, actual, message: `GET ${url}: ${actual}` };
  }
  const statusOk = statuses.includes(response.status);
  const bodyOk = needle === null || body.includes(needle);
  const actual = String(response.status) +
    (needle === null ? "" : bodyOk ? ", body contains it" : ", body does not contain it");
  const message = statusOk && bodyOk
    ? `GET ${url} answered ${response.status}`
    : !statusOk
    ? `GET ${url} answered ${response.status}, expected ${statusText(statuses)}`
    : `GET ${url} answered ${response.status} but the body does not contain ${
      JSON.stringify(needle)
    }`;
  return { passed: statusOk && bodyOk, expected, actual, message };
}

function statusText(statuses: number[]): string {
  return statuses.length === 1 ? String(statuses[0]) : `one of ${statuses.join(", ")}`;
}

export async function checkResponseTime(args: Args): Promise<Verdict> {
  const url = args.string("url");
  const maxMs = args.number("max_ms");
  const timeoutMs = args.durationMs("timeout", Math.max(DEFAULT_TIMEOUT_MS, maxMs * 2));
  const expected = `at most ${maxMs} ms`;
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    const elapsed = Math.round(performance.now() - started);
    const passed = elapsed <= maxMs;
    return {
      passed,
      expected,
      actual: `${elapsed} ms`,
      message: `GET ${url} took ${elapsed} ms (status ${response.status})` +
        (passed ? "" : `, more than ${maxMs} ms`),
    };
  } catch (error) {
    const actual = describeNetworkError(error, timeoutMs);
    return { passed: false, expected, actual, message: `GET ${url}: ${actual}` };
  }
}

export async function checkPort(args: Args): Promise<Verdict> {
  const port = args.number("port");
  const host = args.string("host", "127.0.0.1");
  const timeoutMs = args.durationMs("timeout", 5_000);
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const expected = `${target} accepts connections`;
  try {
    const conn = await Deno.connect({
      hostname: host,
      port,
      signal: AbortSignal.timeout(timeoutMs),
    });
    conn.close();
    return { passed: true, expected, actual: "open", message: `${target} accepts connections` };
  } catch (error) {
    const actual = describeNetworkError(error, timeoutMs);
    return { passed: false, expected, actual, message: `${target}: ${actual}` };
  }
}
