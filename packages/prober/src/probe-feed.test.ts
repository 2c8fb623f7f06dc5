import { afterEach, describe, expect, it } from "vitest";
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
