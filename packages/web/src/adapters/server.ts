import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { splitHostPort, WanpilotError } from "@wanpilot/common";
import type { Logger } from "pino";
import { SECURITY_HEADERS } from "../core/request-guard.js";
import type { Asset } from "./static.js";

/** Bodies the page sends are a password or a number: anything longer is refused unread. */
const MAX_BODY_BYTES = 4096;
/** Live views pushed to at most this many open pages at once (each holds a socket). */
export const MAX_STREAMS = 32;
/** A comment down each stream this often keeps proxies and NAT from closing an idle one. */
const KEEPALIVE_MS = 15_000;

export type Reply = { status: number; json?: unknown; headers?: Record<string, string> };

export interface Routes {
  /** GET/POST under /api (not the stream); the body parsed as JSON for POST. */
  api(req: IncomingMessage, path: string, body: unknown): Promise<Reply>;
  /** The current live view, sent first on every new stream. */
  snapshot(): unknown;
}

export interface WebServer {
  port: number;
  /** Pushes `data` to every open stream as one server-sent event. */
  broadcast(event: string, data: unknown): void;
  readonly streams: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, reply: Reply): void {
  const body = reply.json === undefined ? "" : JSON.stringify(reply.json);
  res.writeHead(reply.status, {
    ...SECURITY_HEADERS,
    "Cache-Control": "no-store",
    ...(reply.json === undefined ? {} : { "Content-Type": "application/json; charset=utf-8" }),
    ...reply.headers,
  });
  res.end(body);
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const gz = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Type": asset.type,
    "Cache-Control": "no-cache",
    Vary: "Accept-Encoding",
    ...(gz ? { "Content-Encoding": "gzip" } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : gz ? asset.gzip : asset.body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new WanpilotError("USAGE", "request body too large");
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (err: unknown) {
    throw new WanpilotError("USAGE", "request body is not JSON", { cause: err });
  }
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** node:http on `listen`: the page's files, its API and the live stream (server-sent events). */
export async function startServer(opts: {
  listen: string;
  assets: Map<string, Asset>;
  routes: Routes;
  log: Logger;
}): Promise<WebServer> {
  const { assets, routes, log } = opts;
  const streams = new Set<ServerResponse>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://page").pathname;
    const asset = assets.get(path);
    if (asset !== undefined && (req.method === "GET" || req.method === "HEAD"))
      return sendAsset(req, res, asset);
    if (path === "/api/events" && req.method === "GET") {
      if (streams.size >= MAX_STREAMS)
        return send(res, { status: 503, json: { error: "too many open pages" } });
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
      });
      res.write(sse("live", routes.snapshot()));
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    if (!path.startsWith("/api/")) return send(res, { status: 404, json: { error: "not found" } });
    if (req.method !== "GET" && req.method !== "POST")
      return send(res, {
        status: 405,
        json: { error: "method not allowed" },
        headers: { Allow: "GET, POST" },
      });
    const body = req.method === "POST" ? await readJson(req) : undefined;
    send(res, await routes.api(req, path, body));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bad request is the client's (400); a part or file not there yet is the gateway's state (503).
      const known = err instanceof WanpilotError;
      const status = known ? (err.code === "USAGE" ? 400 : 503) : 500;
      if (status !== 400) log.error({ err, url: req.url }, "request failed");
      if (!res.headersSent) send(res, { status, json: { error: known ? err.message : "internal error" } });
      else res.end();
    });
  });
  // Slow or idle clients must not pin sockets (the stream keeps its own socket open on purpose).
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  const keepalive = setInterval(() => {
    for (const s of streams) s.write(": keepalive\n\n");
  }, KEEPALIVE_MS);
  keepalive.unref();

  const { host, port } = splitHostPort(opts.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(
        new WanpilotError("LISTEN_FAILED", `the web page cannot listen on ${opts.listen}: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : port,
    broadcast(event, data) {
      if (streams.size === 0) return;
      const text = sse(event, data);
      for (const s of streams) s.write(text);
    },
    get streams() {
      return streams.size;
    },
    close() {
      clearInterval(keepalive);
      for (const s of streams) s.end();
      streams.clear();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
