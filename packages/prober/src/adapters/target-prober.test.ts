import { once } from "node:events";
import { createServer } from "node:net";
import type { ProbeTarget } from "@wanpilot/common";
import { silentLog, until } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProbeOutcome, socketOutcome } from "../core/params.js";
import { createTargetProber } from "./target-prober.js";

// Socket probes on host loopback only: no route, rule or address is touched.
const open = createServer((s) => {
  s.on("error", () => undefined);
  s.end();
});
let openPort = 0;
let closedPort = 0;

beforeAll(async () => {
  open.listen(0, "127.0.0.1");
  await once(open, "listening");
  openPort = (open.address() as { port: number }).port;
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  closedPort = (probe.address() as { port: number }).port;
  probe.close();
  await once(probe, "close");
});
afterAll(() => {
  open.close();
});

/** A tcp prober whose timeout is far longer than the test may wait: only an outcome reported at once arrives. */
function tcpProber(port: number, source: string | null = "127.0.0.1") {
  const outcomes: ProbeOutcome[] = [];
  const target = { name: "t", method: "tcp", host: "127.0.0.1", port } as ProbeTarget;
  const prober = createTargetProber({
    target,
    intervalMs: 200,
    timeoutMs: 60_000,
    source: () => source,
    path: () => true,
    identity: { mark: 1, interface: "lo" },
    // Any free local port: the link's range is the router's business.
    ports: { take: () => 0, release: () => undefined },
    prefix: [],
    now: () => performance.now(),
    key: "t",
    onEvent: () => undefined,
    onRestart: () => undefined,
    onOutcome: (o) => outcomes.push(o),
    log: silentLog,
  });
  return { prober, outcomes };
}

describe("socket probes report their outcomes directly (the ping tracker is for ICMP)", () => {
  it.each([
    { name: "an answer in time", rtt: 12, expected: 12 },
    { name: "an error or refusal", rtt: null, expected: null },
    { name: "an answer after the timeout", rtt: 800, expected: null },
  ])("socketOutcome: $name", ({ rtt, expected }) => {
    expect(socketOutcome("t", 5, rtt, 700)).toEqual({ target: "t", sentAtMs: 5, rttMs: expected });
  });

  it.each([
    {
      name: "a refused connect is lost at once, not after the 60 s timeout",
      port: () => closedPort,
      lost: true,
    },
    { name: "an accepted connect is answered with its RTT", port: () => openPort, lost: false },
  ])("$name", async ({ port, lost }) => {
    const { prober, outcomes } = tcpProber(port());
    prober.start();
    try {
      const first = await until("an outcome", () => outcomes[0], 10_000);
      expect(first.target).toBe("t");
      if (lost) expect(first.rttMs).toBeNull();
      else expect(first.rttMs).toBeGreaterThanOrEqual(0);
    } finally {
      await prober.stop();
    }
  });

  it("no source address: each probe is lost at once", async () => {
    const { prober, outcomes } = tcpProber(openPort, null);
    prober.start();
    await until("two outcomes", () => outcomes.length >= 2, 10_000);
    await prober.stop();
    expect(outcomes.every((o) => o.rttMs === null)).toBe(true);
  });

  it("retimed to a long interval: a probe at once, then none until that interval has passed", async () => {
    const { prober, outcomes } = tcpProber(openPort);
    prober.start();
    try {
      await until("a first outcome", () => outcomes[0], 10_000);
      const retimedAt = performance.now();
      prober.retime(60_000);
      await until("the retimed probe", () => outcomes.find((o) => o.sentAtMs >= retimedAt), 10_000);
      const count = outcomes.length;
      await new Promise((r) => setTimeout(r, 600));
      // At the old 200 ms interval three more would have been sent by now.
      expect(outcomes.filter((o) => o.sentAtMs > retimedAt + 1)).toEqual([]);
      expect(outcomes.length).toBe(count);
    } finally {
      await prober.stop();
    }
  });
});
