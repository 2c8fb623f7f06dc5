import { createRequire } from "node:module";
import { connect, isIP, isIPv6, type Socket } from "node:net";
import type { ProbeTarget } from "@wanpilot/common";

// Node's HTTP, TLS and UDP stacks load with the first probe that needs them: a link probed by ping alone
// (the default) never holds them (~2 MiB of memory per prober, docs/bench.md, cost).
const builtin = createRequire(import.meta.url);
function onFirstUse<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= builtin(name) as T;
    return loaded;
  };
}
const http = onFirstUse<typeof import("node:http")>("node:http");
const https = onFirstUse<typeof import("node:https")>("node:https");
const tls = onFirstUse<typeof import("node:tls")>("node:tls");
const dgram = onFirstUse<typeof import("node:dgram")>("node:dgram");

/**
 * Where a probe's socket is bound: the link's address and one of the link's own local ports. Node
 * cannot set SO_MARK or SO_BINDTODEVICE; the router's `ip rule iif lo sport <the link's ports> lookup
 * <the link's table>` routes by the port, so links with the same address are still told apart.
 */
export interface LocalBind {
  address: string;
  port: number;
}

/**
 * One probe over a socket bound to `local`, so it leaves through the link's own routing table.
 * Resolves to the RTT in ms, or null when lost (no answer within the timeout, refused, wrong
 * status...). Never rejects.
 */
export type SocketProbe = (
  target: ProbeTarget,
  local: LocalBind,
  timeoutMs: number,
) => Promise<number | null>;

function elapsed(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** The first outcome wins (answer, error or timeout); `cleanup` then releases the socket and timer. */
function settleOnce(
  resolve: (rtt: number | null) => void,
  cleanup: () => void,
): (rtt: number | null) => void {
  let settled = false;
  return (rtt) => {
    if (settled) return;
    settled = true;
    cleanup();
    resolve(rtt);
  };
}

/**
 * A TCP socket from `local`. Closed with a reset once connected: a FIN would leave the port in
 * TIME_WAIT for a minute, and the link's 16 ports are reused every few seconds.
 */
function connectFrom(local: LocalBind, host: string, port: number): { socket: Socket; close(): void } {
  const socket = connect({ host, port, localAddress: local.address, localPort: local.port });
  // Errors are reported by the probe's own handlers; this one keeps a late one from being unhandled.
  socket.on("error", () => undefined);
  const close = () => {
    if (socket.connecting || socket.destroyed) socket.destroy();
    else socket.resetAndDestroy();
  };
  return { socket, close };
}

export const probeTcp: SocketProbe = (target, local, timeoutMs) =>
  new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const { socket: s, close } = connectFrom(local, target.host, target.port ?? 80);
    s.setTimeout(timeoutMs);
    const done = (rtt: number | null) => {
      close();
      resolve(rtt);
    };
    s.once("connect", () => done(elapsed(t0)));
    s.once("timeout", () => done(null));
    s.once("error", () => done(null));
  });

export const probeHttp: SocketProbe = (target, local, timeoutMs) =>
  new Promise((resolve) => {
    const url = new URL(target.url ?? `http://${target.host}/`);
    const secure = url.protocol === "https:";
    const get = secure ? https().get : http().get;
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const tcp = connectFrom(local, host, Number(url.port || (secure ? 443 : 80)));
    const servername = isIP(host) === 0 ? { servername: host } : {};
    // Our own socket (no agent), so it is bound to the link's port and reset when done.
    const createConnection = () =>
      secure ? tls().connect({ socket: tcp.socket, host, ...servername }) : tcp.socket;
    const t0 = process.hrtime.bigint();
    const done = settleOnce(resolve, () => {
      clearTimeout(timer);
      req.destroy();
      tcp.close();
    });
    const req = get(url, { createConnection, headers: { "user-agent": "wanpilot-prober" } }, (res) => {
      const status = res.statusCode ?? 0;
      const ok =
        target.expect_status !== undefined ? status === target.expect_status : status >= 200 && status < 400;
      res.resume();
      done(ok ? elapsed(t0) : null);
    });
    req.once("error", () => done(null));
    const timer = setTimeout(() => done(null), timeoutMs);
  });

/** A minimal DNS query (type A, recursion desired) for `name`. */
export function dnsQuery(id: number, name: string): Buffer {
  const labels = name.split(".").filter((l) => l.length > 0);
  const qname = Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "ascii")])),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  return Buffer.concat([header, qname, Buffer.from([0, 1, 0, 1])]);
}

/** Any response with our id counts: the resolver answered through this link (even NXDOMAIN). */
export function isDnsAnswer(msg: Buffer, id: number): boolean {
  return msg.length >= 12 && msg.readUInt16BE(0) === id && (msg.readUInt8(2) & 0x80) !== 0;
}

export const probeDns: SocketProbe = (target, local, timeoutMs) =>
  new Promise((resolve) => {
    const sock = dgram().createSocket(isIPv6(target.host) ? "udp6" : "udp4");
    const id = Math.floor(Math.random() * 0x10000);
    const t0 = process.hrtime.bigint();
    const done = settleOnce(resolve, () => {
      clearTimeout(timer);
      sock.close();
    });
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.once("error", () => done(null));
    sock.on("message", (msg) => {
      if (isDnsAnswer(msg, id)) done(elapsed(t0));
    });
    sock.bind({ address: local.address, port: local.port }, () => {
      sock.send(dnsQuery(id, target.query ?? "example.com"), target.port ?? 53, target.host, (err) => {
        if (err) done(null);
      });
    });
  });

export function socketProbeFor(method: ProbeTarget["method"]): SocketProbe | undefined {
  if (method === "tcp") return probeTcp;
  if (method === "http" || method === "https") return probeHttp;
  if (method === "dns") return probeDns;
  return undefined;
}
