/** Ports and readiness checks for tests that start real servers on 127.0.0.1. */

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port; throws after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms: ${error}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
