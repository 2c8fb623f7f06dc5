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

describe("ping tracker at a 30 s interval (iputils really sends every ~30.7 s)", () => {
  it("a late reply re-anchors the estimates: one probe at most read as lost, never a run of them", () => {
    let t = newPingTracker("a", 30_000, 700, 0);
    const lost: number[] = [];
    // Measured in the lab: `ping -i 30.000` sent at +30650, +30712, +30720 ms…
    for (let seq = 1; seq <= 10; seq++) {
      const sentAtMs = (seq - 1) * 30_710;
      const d = pingDue(t, sentAtMs + 0.5);
      t = d.tracker;
      lost.push(...d.outcomes.filter((o) => o.rttMs === null).map(() => seq - 1));
      t = pingEvent(t, { kind: "reply", seq, rttMs: 0.06, atMs: sentAtMs + 0.06 });
    }
    const d = pingDue(t, 9 * 30_710 + 800);
    expect(d.outcomes.at(-1)?.rttMs).toBe(0.06);
    expect(lost.length).toBeLessThanOrEqual(1);
  });
});
