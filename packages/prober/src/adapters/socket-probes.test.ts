import { createSocket } from "node:dgram";
import { once } from "node:events";
import http from "node:http";
import { createServer } from "node:net";
import type { ProbeTarget } from "@wanpilot/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dnsQuery, isDnsAnswer, probeDns, probeHttp, probeTcp } from "./socket-probes.js";

// Pure-socket tests against servers on host loopback: no route, rule or address is touched.
const tcp = createServer((s) => s.end());
const web = http.createServer((req, res) => {
  res.statusCode = req.url === "/missing" ? 404 : 204;
  res.end();
});
const dns = createSocket("udp4");
const silentDns = createSocket("udp4");
const port = (s: { address(): unknown }) => (s.address() as { port: number }).port;

beforeAll(async () => {
  tcp.listen(0, "127.0.0.1");
  web.listen(0, "127.0.0.1");
  await Promise.all([once(tcp, "listening"), once(web, "listening")]);
  dns.on("message", (msg, rinfo) => {
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
  dns.close();
  silentDns.close();
});

const t = (over: Partial<ProbeTarget>): ProbeTarget => ({
  name: "x",
  host: "127.0.0.1",
  method: "tcp",
  ...over,
});

describe("socket probes bound to a source address", () => {
  it("tcp: connect answers; a closed port is lost", async () => {
    expect(await probeTcp(t({ port: port(tcp) }), "127.0.0.1", 1000)).toBeTypeOf("number");
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const p = port(closed);
    closed.close();
    expect(await probeTcp(t({ port: p }), "127.0.0.1", 1000)).toBeNull();
  });

  it("tcp: a source address the host does not have is lost, not thrown", async () => {
    expect(await probeTcp(t({ port: port(tcp) }), "198.18.255.254", 500)).toBeNull();
  });

  it("http: 2xx answers; an unexpected status is lost; expect_status is honoured", async () => {
    const url = `http://127.0.0.1:${port(web)}`;
    expect(await probeHttp(t({ method: "http", url: `${url}/` }), "127.0.0.1", 1000)).toBeTypeOf("number");
    expect(await probeHttp(t({ method: "http", url: `${url}/missing` }), "127.0.0.1", 1000)).toBeNull();
    expect(
      await probeHttp(t({ method: "http", url: `${url}/missing`, expect_status: 404 }), "127.0.0.1", 1000),
    ).toBeTypeOf("number");
  });

  it("dns: a resolver's response answers; silence is lost within the timeout", async () => {
    expect(
      await probeDns(t({ method: "dns", port: port(dns), query: "example.com" }), "127.0.0.1", 1000),
    ).toBeTypeOf("number");
    const t0 = Date.now();
    expect(await probeDns(t({ method: "dns", port: port(silentDns) }), "127.0.0.1", 300)).toBeNull();
    expect(Date.now() - t0).toBeLessThan(2000);
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
