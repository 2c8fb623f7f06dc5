import { afterEach, describe, expect, it, vi } from "vitest";
import type { MachineInput } from "./core/machine.js";
import { ProbeFeed } from "./probe-feed.js";

/** A feed on a hand-moved clock: what reaches the core is recorded. */
function feed() {
  let t = 0;
  const got: MachineInput[] = [];
  const f = new ProbeFeed({ intervalMs: 300, now: () => t, apply: (i) => got.push(i), timeoutOf: () => 700 });
  const outcomes = () =>
    got.flatMap((i) => (i.kind === "probe" ? [[i.outcome.sentAtMs, i.outcome.rttMs]] : []));
  return { f, got, outcomes, at: (ms: number) => (t = ms) };
}

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe("probe feed: retiming a target", () => {
  it("reports what is known, drops the probe in flight (not lost) and counts nothing until the new sequence", () => {
    const { f, outcomes, at } = feed();
    stop = () => f.stop();
    f.track("a", 300);
    at(320);
    f.onPingEvent("a", { kind: "reply", seq: 1, rttMs: 20, atMs: 20 });
    f.onPingEvent("a", { kind: "reply", seq: 2, rttMs: 20, atMs: 320 });
    at(650);
    // seq 3 left at ~600 and is in flight: the pinger is stopped now to go to a 30 s interval.
    f.retime("a", 30_000);
    expect(outcomes()).toEqual([
      [0, 20],
      [300, 20],
    ]);
    // The stopped process's late lines and a long respawn (2 s under load) count for nothing.
    f.onPingEvent("a", { kind: "reply", seq: 3, rttMs: 400, atMs: 1000 });
    at(2650);
    f.drain();
    expect(outcomes()).toHaveLength(2);
    f.onRestart("a", 2650);
    f.onPingEvent("a", { kind: "reply", seq: 1, rttMs: 30, atMs: 2680 });
    f.drain();
    expect(outcomes().at(-1)).toEqual([2650, 30]);
    // The next probe is due ~30.75 s later (ping's real cadence at -i 30): not lost before that plus the
    // timeout; ping, silent since its last reply, proves nothing: lost after the 5 s wait at most.
    at(2650 + 30_750 + 699);
    f.drain();
    expect(outcomes()).toHaveLength(3);
    at(2650 + 30_750 + 700 + 5001);
    f.drain();
    expect(outcomes().at(-1)).toEqual([33_400, null]);
  });

  it("a crash restart (no retime) still counts the probe in flight as lost", () => {
    const { f, outcomes, at } = feed();
    stop = () => f.stop();
    f.track("a", 300);
    at(320);
    f.onPingEvent("a", { kind: "reply", seq: 1, rttMs: 20, atMs: 20 });
    at(400);
    f.onRestart("a", 400);
    expect(outcomes()).toEqual([
      [0, 20],
      [300, null],
    ]);
  });
});

describe("probe feed: deadlines", () => {
  it("a silent target's probe is lost at its deadline while another target's replies keep coming", async () => {
    vi.useFakeTimers();
    try {
      const t0 = Date.now();
      const now = () => Date.now() - t0;
      const lost: Array<{ target: string; sentAtMs: number; atMs: number }> = [];
      const f = new ProbeFeed({
        intervalMs: 200,
        now,
        timeoutOf: () => 150,
        apply: (i) => {
          if (i.kind === "probe" && i.outcome.rttMs === null)
            lost.push({ target: i.outcome.target, sentAtMs: i.outcome.sentAtMs, atMs: i.atMs });
        },
      });
      stop = () => f.stop();
      f.track("a", 200);
      f.track("b", 200);
      f.drain();
      // a answers every probe 2 ms after sending it. b answers its first probe only; from then on its ping
      // (-O) says "no answer yet" for the previous probe each time it sends the next one.
      for (let seq = 1; seq <= 6; seq++) {
        const sentAtMs = (seq - 1) * 200;
        await vi.advanceTimersByTimeAsync(sentAtMs - now());
        if (seq >= 3) f.onPingEvent("b", { kind: "noAnswer", seq: seq - 1, atMs: now() });
        await vi.advanceTimersByTimeAsync(2);
        f.onPingEvent("a", { kind: "reply", seq, rttMs: 2, atMs: now() });
        if (seq === 1) f.onPingEvent("b", { kind: "reply", seq, rttMs: 2, atMs: now() });
      }
      await vi.advanceTimersByTimeAsync(1200 - now());
      expect(lost.filter((l) => l.target === "a")).toEqual([]);
      const late = lost.filter((l) => l.target === "b").map((l) => [l.sentAtMs, l.atMs - (l.sentAtMs + 150)]);
      // b's probe sent at 200 is judged on the line that proves ping was still reading (at 400: it had
      // been silent longer than a round before); from then on each at its deadline, by the timer alone.
      expect(late.map(([sent]) => sent)).toEqual([200, 400, 600, 800, 1000]);
      expect(late[0]?.[1]).toBe(50);
      for (const [, ms] of late.slice(1)) expect(ms).toBeGreaterThanOrEqual(0);
      for (const [, ms] of late.slice(1)) expect(ms).toBeLessThanOrEqual(25);
    } finally {
      vi.useRealTimers();
    }
  });
});
