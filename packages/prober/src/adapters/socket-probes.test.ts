import { createSocket } from "node:dgram";
import { once } from "node:events";
import http from "node:http";
import { createServer } from "node:net";
import type { ProbeTarget } from "@wanpilot/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dnsQuery, isDnsAnswer, probeDns, probeHttp, probeTcp } from "./socket-probes.js";

// Pure-socket tests against servers on host loopback: no route, rule or address is touched.
// The probe resets its connection when done: the servers must expect ECONNRESET.
const tcp = createServer((s) => {
  s.on("error", () => undefined);
  s.end();
});
const web = http.createServer((req, res) => {
  webPeers.push(req.socket.remotePort ?? 0);
  res.statusCode = req.url === "/missing" ? 404 : 204;
  res.end();
});
const dns = createSocket("udp4");
const silentDns = createSocket("udp4");
const port = (s: { address(): unknown }) => (s.address() as { port: number }).port;
// Peers as the servers saw them: remote port of each connection / datagram.
const tcpPeers: number[] = [];
const webPeers: number[] = [];
const dnsPeers: number[] = [];
/** Keeps connections open: the client must close, so a FIN from it would leave TIME_WAIT behind. */
const holding = createServer((s) => {
  tcpPeers.push(s.remotePort ?? 0);
  s.on("error", () => undefined);
});

/** A local port free right now (the link's range is the router's business; here any free one). */
async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const p = port(s);
  s.close();
  await once(s, "close");
  return p;
}
const local = async (address = "127.0.0.1") => ({ address, port: await freePort() });

beforeAll(async () => {
  tcp.listen(0, "127.0.0.1");
  web.listen(0, "127.0.0.1");
  holding.listen(0, "127.0.0.1");
  await Promise.all([once(tcp, "listening"), once(web, "listening"), once(holding, "listening")]);
  dns.on("message", (msg, rinfo) => {
    dnsPeers.push(rinfo.port);
    const reply = Buffer.from(msg);
    reply.writeUInt16BE(0x8180, 2);
    dns.send(reply, rinfo.port, rinfo.address);
  });
  dns.bind(0, "127.0.0.1");
  silentDns.bind(0, "127.0.0.1");
  await Promise.all([once(dns, "listening"), once(silentDns, "listening")]);
});

afterAll(() => {
  tcp.close();
  web.close();
  holding.close();
  dns.close();
  silentDns.close();
});

const t = (over: Partial<ProbeTarget>): ProbeTarget => ({
  name: "x",
  host: "127.0.0.1",
  method: "tcp",
  ...over,
});

describe("socket probes bound to a source address and port", () => {
  it("tcp: connect answers; a closed port is lost", async () => {
    expect(await probeTcp(t({ port: port(tcp) }), await local("127.0.0.1"), 1000)).toBeTypeOf("number");
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const p = port(closed);
    closed.close();
    expect(await probeTcp(t({ port: p }), await local("127.0.0.1"), 1000)).toBeNull();
  });

  it("tcp: a source address the host does not have is lost, not thrown", async () => {
    expect(await probeTcp(t({ port: port(tcp) }), await local("198.18.255.254"), 500)).toBeNull();
  });

  it("http: 2xx answers; an unexpected status is lost; expect_status is honoured", async () => {
    const url = `http://127.0.0.1:${port(web)}`;
    expect(await probeHttp(t({ method: "http", url: `${url}/` }), await local("127.0.0.1"), 1000)).toBeTypeOf(
      "number",
    );
    expect(
      await probeHttp(t({ method: "http", url: `${url}/missing` }), await local("127.0.0.1"), 1000),
    ).toBeNull();
    expect(
      await probeHttp(
        t({ method: "http", url: `${url}/missing`, expect_status: 404 }),
        await local("127.0.0.1"),
        1000,
      ),
    ).toBeTypeOf("number");
  });

  it("dns: a resolver's response answers; silence is lost within the timeout", async () => {
    expect(
      await probeDns(
        t({ method: "dns", port: port(dns), query: "example.com" }),
        await local("127.0.0.1"),
        1000,
      ),
    ).toBeTypeOf("number");
    const t0 = Date.now();
    expect(
      await probeDns(t({ method: "dns", port: port(silentDns) }), await local("127.0.0.1"), 300),
    ).toBeNull();
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("binds each probe to the link's local port, and a tcp probe frees it at once (reset, no TIME_WAIT)", async () => {
    const bind = await local();
    for (let i = 0; i < 3; i++)
      expect(await probeTcp(t({ port: port(holding) }), bind, 1000)).toBeTypeOf("number");
    expect(tcpPeers.slice(-3)).toEqual([bind.port, bind.port, bind.port]);
    const web1 = await local();
    for (let i = 0; i < 2; i++)
      expect(
        await probeHttp(t({ method: "http", url: `http://127.0.0.1:${port(web)}/` }), web1, 1000),
      ).toBeTypeOf("number");
    expect(webPeers.slice(-2)).toEqual([web1.port, web1.port]);
    const dns1 = await local();
    expect(await probeDns(t({ method: "dns", port: port(dns) }), dns1, 1000)).toBeTypeOf("number");
    expect(dnsPeers.at(-1)).toBe(dns1.port);
  });

  it("dns query encoding", () => {
    const q = dnsQuery(0x1234, "example.com");
    expect(q.toString("hex")).toBe("123401000001000000000000076578616d706c6503636f6d0000010001");
    const answer = Buffer.from(q);
    answer.writeUInt16BE(0x8180, 2);
    expect(isDnsAnswer(answer, 0x1234)).toBe(true);
    expect(isDnsAnswer(q, 0x1234)).toBe(false);
  });
});
