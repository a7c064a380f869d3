import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "../logger.ts";

/** The Prometheus endpoint on its own port (METRICS_PORT), so it can stay off the public listener. */
export interface MetricsServer {
  /** The bound port (useful with METRICS_PORT=0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` from `registry` on `host:port`; every other path is a JSON 404, like the API.
 * Resolves once listening; rejects if the port cannot be bound (start-up then fails with that reason).
 */
export async function startMetricsServer(registry: Registry, options: { host: string; port: number; logger: Logger }): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      const body = JSON.stringify({ error: { code: "not_found", message: `only GET /metrics is served on the metrics port` } });
      response.writeHead(404, { "content-type": "application/json" }).end(body);
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(request.method === "HEAD" ? undefined : text),
      (error: unknown) => {
        options.logger.error({ err: error }, "metrics scrape failed");
        response.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ host: options.host, port }, "metrics listening");
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Prometheus keeps its connection alive between scrapes; do not wait for it to give up.
        server.closeAllConnections();
      }),
  };
}
