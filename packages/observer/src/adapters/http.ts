import { createServer, type Server } from "node:http";
import { splitHostPort, WanpilotError } from "@wanpilot/common";
import type { Logger } from "pino";
import { EXPOSITION_CONTENT_TYPE } from "../core/exposition.js";

export interface MetricsServer {
  /** The port actually bound (port 0 in tests → the chosen one). */
  port: number;
  close(): Promise<void>;
}

/** Serves `render()` at /metrics on `listen`; LISTEN_FAILED when the address cannot be bound. */
export async function serveMetrics(
  listen: string,
  render: () => string,
  log: Logger,
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end("see /metrics\n");
      return;
    }
    try {
      res.writeHead(200, { "content-type": EXPOSITION_CONTENT_TYPE }).end(render());
    } catch (err: unknown) {
      log.warn({ err }, "rendering metrics failed");
      res.writeHead(500).end();
    }
  });
  await listenOn(server, listen);
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function listenOn(server: Server, listen: string): Promise<void> {
  const { host, port } = splitHostPort(listen);
  return new Promise((resolve, reject) => {
    server.once("error", (err) =>
      reject(
        new WanpilotError("LISTEN_FAILED", `cannot serve metrics on ${listen}: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    server.listen(port, host, () => resolve());
  });
}
