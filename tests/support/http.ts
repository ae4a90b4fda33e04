/** A real HTTP server on 127.0.0.1 for tests (plugins, AI providers, health checks). */

export interface TestHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function startHttpServer(
  handler: (request: Request) => Response | Promise<Response>,
): TestHttpServer {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const { port } = server.addr;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => server.shutdown(),
  };
}
