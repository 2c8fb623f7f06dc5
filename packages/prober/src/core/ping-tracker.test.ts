import { describe, expect, it } from "vitest";
import {
  newPingTracker,
  type PingEvent,
  parsePingLine,
  pingDue,
  pingEvent,
  pingRestarted,
  unwrapSeq,
} from "./ping-tracker.js";

function run(events: (PingEvent | { kind: "tick"; atMs: number })[], timeoutMs = 700) {
  let t = newPingTracker("a", 300, timeoutMs, 0);
  const out: { sentAtMs: number; rttMs: number | null; at: number }[] = [];
  for (const e of events) {
    if (e.kind !== "tick") t = pingEvent(t, e);
    const d = pingDue(t, e.atMs);
    t = d.tracker;
    out.push(...d.outcomes.map((o) => ({ sentAtMs: Math.round(o.sentAtMs), rttMs: o.rttMs, at: e.atMs })));
  }
  return out;
}

describe("ping line parser", () => {
  it.each([
    {
      line: "[1795954494.462006] 64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.204 ms",
      expected: { kind: "reply", seq: 1, rttMs: 0.204, atMs: 5 },
    },
    {
      line: "64 bytes from 1.1.1.1: icmp_seq=7 ttl=57 time=12.3 ms",
      expected: { kind: "reply", seq: 7, rttMs: 12.3, atMs: 5 },
    },
    {
      line: "[1795954496.875762] no answer yet for icmp_seq=3",
      expected: { kind: "noAnswer", seq: 3, atMs: 5 },
    },
    {
      line: "[1795954496.875762] From 198.18.1.1 icmp_seq=4 Destination Host Unreachable",
      expected: { kind: "error", seq: 4, atMs: 5 },
    },
    { line: "PING 1.1.1.1 (1.1.1.1) from 198.18.1.2 : 56(84) bytes of data.", expected: undefined },
  ])("$line", ({ line, expected }) => {
    expect(parsePingLine(line, 5)).toEqual(expected);
  });
});

describe("ping tracker", () => {
  it("reports replies in order with their send time", () => {
    const out = run([
      { kind: "reply", seq: 1, rttMs: 20, atMs: 20 },
      { kind: "reply", seq: 2, rttMs: 20, atMs: 330 },
    ]);
    expect(out).toEqual([
      { sentAtMs: 0, rttMs: 20, at: 20 },
      { sentAtMs: 310, rttMs: 20, at: 330 },
    ]);
  });

  it("a probe without a reply is lost once its timeout has passed, even if ping says nothing", () => {
    const out = run([
      { kind: "reply", seq: 1, rttMs: 20, atMs: 20 },
      { kind: "tick", atMs: 999 },
      { kind: "tick", atMs: 1000 },
    ]);
    expect(out).toEqual([
      { sentAtMs: 0, rttMs: 20, at: 20 },
      { sentAtMs: 300, rttMs: null, at: 1000 },
    ]);
  });

  it("a reply slower than the timeout is a loss; a late reply after the loss is ignored", () => {
    const out = run([
      { kind: "reply", seq: 1, rttMs: 800, atMs: 800 },
      { kind: "tick", atMs: 1000 },
      { kind: "reply", seq: 2, rttMs: 750, atMs: 1050 },
    ]);
    expect(out.map((o) => o.rttMs)).toEqual([null, null]);
  });

  it("waits for an earlier open probe before reporting a later reply (order keeps the runs right)", () => {
    const out = run([
      { kind: "reply", seq: 2, rttMs: 20, atMs: 320 },
      { kind: "reply", seq: 1, rttMs: 400, atMs: 400 },
    ]);
    expect(out).toEqual([
      { sentAtMs: 0, rttMs: 400, at: 400 },
      { sentAtMs: 300, rttMs: 20, at: 400 },
    ]);
  });

  it("a 'no answer yet' line dates the next send; an error reply is a loss at once", () => {
    const out = run(
      [
        { kind: "noAnswer", seq: 1, atMs: 312 },
        { kind: "error", seq: 2, atMs: 400 },
        { kind: "tick", atMs: 450 },
      ],
      200,
    );
    expect(out).toEqual([
      { sentAtMs: 12, rttMs: null, at: 312 },
      { sentAtMs: 312, rttMs: null, at: 400 },
    ]);
  });

  it("learns ping's real cadence", () => {
    let t = newPingTracker("a", 300, 700, 0);
    for (let seq = 1; seq <= 50; seq++)
      t = pingEvent(t, { kind: "reply", seq, rttMs: 1, atMs: (seq - 1) * 312 + 1 });
    expect(t.cadenceMs).toBeGreaterThan(311);
    expect(t.cadenceMs).toBeLessThan(313);
  });

  it("unwraps 16-bit sequence numbers", () => {
    expect(unwrapSeq(0, 65536)).toBe(65536);
    expect(unwrapSeq(65535, 65536)).toBe(65535);
    expect(unwrapSeq(3, 65534)).toBe(65539);
    expect(unwrapSeq(7, 7)).toBe(7);
  });

  it("a restart resolves the old process's open probes as lost and counts from 1 again", () => {
    let t = newPingTracker("a", 300, 700, 0);
    t = pingEvent(t, { kind: "reply", seq: 1, rttMs: 10, atMs: 10 });
    t = pingDue(t, 10).tracker;
    const r = pingRestarted(t, 650);
    expect(r.outcomes.map((o) => [Math.round(o.sentAtMs), o.rttMs])).toEqual([
      [300, null],
      [600, null],
    ]);
    expect(r.tracker.nextSeq).toBe(1);
    expect(r.tracker.ref).toEqual({ seq: 1, sentAtMs: 650 });
  });
});

describe("ping -D stamps: a reply is judged by when ping got it, not when the prober read it", () => {
  // core time 10 000 ms ↔ wall 1 700 000 010 000 ms
  const fromEpochMs = (epochMs: number) => 10_000 - (1_700_000_010_000 - epochMs);
  it.each([
    {
      name: "stamped 400 ms before the read",
      line: "[1700000009.600000] 64 bytes from 203.0.113.1: icmp_seq=7 ttl=63 time=0.081 ms",
      expected: { kind: "reply", seq: 7, rttMs: 0.081, atMs: 9600 },
    },
    {
      name: "no answer yet, stamped",
      line: "[1700000009.900000] no answer yet for icmp_seq=8",
      expected: { kind: "noAnswer", seq: 8, atMs: 9900 },
    },
    {
      name: "a stamp after the read (clock stepped): the read time",
      line: "[1700000011.000000] 64 bytes from 203.0.113.1: icmp_seq=9 ttl=63 time=0.081 ms",
      expected: { kind: "reply", seq: 9, rttMs: 0.081, atMs: 10_000 },
    },
    {
      name: "a stamp a minute old (clock stepped): the read time",
      line: "[1699999950.000000] 64 bytes from 203.0.113.1: icmp_seq=9 ttl=63 time=0.081 ms",
      expected: { kind: "reply", seq: 9, rttMs: 0.081, atMs: 10_000 },
    },
  ])("$name", ({ line, expected }) => {
    expect(parsePingLine(line, 10_000, fromEpochMs)).toEqual(expected);
  });

  it("a reply read 500 ms late still fits a 150 ms timeout", () => {
    let t = newPingTracker("a", 200, 150, 0);
    const line = "[1700000000.101000] 64 bytes from 203.0.113.1: icmp_seq=1 ttl=63 time=1.000 ms";
    // sent at core 100, replied at 101, read at 600 (the prober was busy)
    const e = parsePingLine(line, 600, (epochMs) => 600 - (1_700_000_000_600 - epochMs));
    if (e === undefined) throw new Error("not parsed");
    t = pingEvent(t, e);
    expect(pingDue(t, 600).outcomes[0]).toEqual({ target: "a", sentAtMs: 100, rttMs: 1 });
  });
});

describe("a starved prober or ping: no loss without proof that ping read its socket", () => {
  // sent at 0, 200, 400, …; timeout 150: probe 1's deadline is 150
  const started = () =>
    pingEvent(newPingTracker("a", 200, 150, 0), { kind: "reply", seq: 1, rttMs: 1, atMs: 1 });
  const wait = { clock: false, maxWaitMs: 1000 } as const;
  it.each([
    {
      name: "clock trusted: lost at the deadline",
      heard: 1,
      now: 400,
      trust: { clock: true } as const,
      lost: 1,
    },
    { name: "not trusted, ping silent since: not yet lost", heard: 1, now: 400, trust: wait, lost: 0 },
    {
      name: "not trusted, ping printed after the deadline: lost",
      heard: 360,
      now: 400,
      trust: wait,
      lost: 1,
    },
    {
      name: "not trusted, ping silent for a second past it: lost (hung ping)",
      heard: 1,
      now: 1360,
      trust: wait,
      lost: 1,
    },
  ])("$name", ({ heard, now, trust, lost }) => {
    const t = { ...started(), heardAtMs: heard };
    const outcomes = pingDue(t, now, trust).outcomes;
    expect(outcomes[0]).toEqual({ target: "a", sentAtMs: 0, rttMs: 1 });
    expect(outcomes.slice(1).filter((o) => o.rttMs === null)).toHaveLength(lost);
  });

  it("a reply read late, after ping caught up, is an answer, not a loss", () => {
    let t = started();
    // the prober wakes at 500, long past probe 2's deadline (350); ping printed nothing since 1
    expect(pingDue(t, 500, wait).outcomes.slice(1)).toEqual([]);
    // ping catches up: probe 2's reply (sent 200, 2 ms) stamped 202 is read now
    t = pingDue(t, 500, wait).tracker;
    t = pingEvent(t, { kind: "reply", seq: 2, rttMs: 2, atMs: 202 });
    expect(pingDue(t, 510, wait).outcomes).toEqual([{ target: "a", sentAtMs: 200, rttMs: 2 }]);
  });
});
