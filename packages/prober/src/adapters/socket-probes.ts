import { createSocket } from "node:dgram";
import http from "node:http";
import https from "node:https";
import { connect, isIPv6 } from "node:net";
import type { ProbeTarget } from "@wanpilot/common";

/**
 * One probe over a socket bound to the link's source address, so it leaves through the link's own
 * routing table. Resolves to the RTT in ms, or null when lost (no answer within the timeout, refused,
 * wrong status...). Never rejects.
 */
export type SocketProbe = (
  target: ProbeTarget,
  localAddress: string,
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

export const probeTcp: SocketProbe = (target, localAddress, timeoutMs) =>
  new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const s = connect({ host: target.host, port: target.port ?? 80, localAddress, timeout: timeoutMs });
    const done = (rtt: number | null) => {
      s.destroy();
      resolve(rtt);
    };
    s.once("connect", () => done(elapsed(t0)));
    s.once("timeout", () => done(null));
    s.once("error", () => done(null));
  });

export const probeHttp: SocketProbe = (target, localAddress, timeoutMs) =>
  new Promise((resolve) => {
    const url = new URL(target.url ?? `http://${target.host}/`);
    const get = url.protocol === "https:" ? https.get : http.get;
    const t0 = process.hrtime.bigint();
    const done = settleOnce(resolve, () => {
      clearTimeout(timer);
      req.destroy();
    });
    const req = get(
      url,
      { localAddress, agent: false, headers: { "user-agent": "wanpilot-prober" } },
      (res) => {
        const status = res.statusCode ?? 0;
        const ok =
          target.expect_status !== undefined
            ? status === target.expect_status
            : status >= 200 && status < 400;
        res.resume();
        done(ok ? elapsed(t0) : null);
      },
    );
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

export const probeDns: SocketProbe = (target, localAddress, timeoutMs) =>
  new Promise((resolve) => {
    const sock = createSocket(isIPv6(target.host) ? "udp6" : "udp4");
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
    sock.bind({ address: localAddress, port: 0 }, () => {
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
