import { LinkConfigInput } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { defaultParams } from "../../test/fixtures/params.js";
import {
  initialMachine,
  type LinkMachine,
  type MachineInput,
  quality,
  step,
  type Transition,
  timeoutFor,
} from "./machine.js";
import { type DecisionParams, decisionParams } from "./params.js";

/**
 * A script of rounds: one string per round, one character per target:
 * o = answered in 20 ms, s = answered in 500 ms (slow), x = lost.
 * A whole-round token `C` drops the carrier, `c` restores it, `A` removes the address; `P` installs the
 * router's path, `p` removes it. The path exists from the start unless `withoutPath`.
 */
function play(p: DecisionParams, script: string, start?: LinkMachine, withoutPath = false) {
  let m = start ?? initialMachine(p, 0);
  const transitions: Transition[] = [];
  const states: string[] = [];
  let t = 0;
  const view = { present: true, carrier: true, source: "198.18.1.2" };
  const feed = (input: MachineInput) => {
    const s = step(p, m, input);
    m = s.machine;
    transitions.push(...s.transitions);
  };
  feed({ kind: "kernel", atMs: 0, interface: "wan1", view });
  if (!withoutPath) feed({ kind: "path", atMs: 0, ready: true });
  for (const round of script.split(/\s+/).filter((r) => r.length > 0)) {
    t += p.intervalMs;
    if (round === "P" || round === "p") feed({ kind: "path", atMs: t, ready: round === "P" });
    else if (round === "C" || round === "c" || round === "A") {
      const v =
        round === "C" ? { ...view, carrier: false } : round === "A" ? { ...view, source: null } : view;
      feed({ kind: "kernel", atMs: t, interface: "wan1", view: v });
    } else {
      [...round].forEach((ch, i) => {
        const target = p.targets[i] ?? "?";
        const rttMs = ch === "o" ? 20 : ch === "s" ? 500 : null;
        if (rttMs !== null) feed({ kind: "rtt", atMs: t + rttMs, target, rttMs });
        const atMs = t + (rttMs ?? timeoutFor(p, m, target));
        feed({ kind: "probe", atMs, outcome: { target, sentAtMs: t, rttMs } });
      });
    }
    states.push(m.state);
  }
  return { machine: m, transitions, states };
}

const rep = (round: string, n: number) => Array(n).fill(round).join(" ");
const p = defaultParams();

describe("link decision core", () => {
  it.each([
    { name: "first answer → up at once", script: "ooo", expected: "up", path: ["up"] },
    { name: "one target answering is enough (reliability 1)", script: "xxo", expected: "up", path: ["up"] },
    { name: "dead at start → down after `down` rounds", script: "xxx xxx", expected: "unknown", path: [] },
    {
      name: "dead at start → down, once the 2 s after the path appeared have passed",
      script: rep("xxx", 12),
      expected: "down",
      path: ["down"],
    },
    {
      name: "2 bad rounds do not take an up link down",
      script: "ooo xxx xxx ooo",
      expected: "up",
      path: ["up"],
    },
    { name: "3 bad rounds take it down", script: "ooo xxx xxx xxx", expected: "down", path: ["up", "down"] },
    {
      name: "one target still answering: degraded (2 of 3 silent), not down",
      script: `ooo ${rep("xxo", 20)}`,
      expected: "degraded",
      path: ["up", "degraded"],
    },
    {
      name: "10 % loss on each target in turn: stays up",
      script: `ooo ${rep("xoo oxo oox ooo ooo ooo ooo ooo ooo ooo", 5)}`,
      expected: "up",
      path: ["up"],
    },
    {
      name: "targets lost in turn: degraded (33 %), never down (each target's run stays short)",
      script: `ooo ${rep("xoo oxo oox", 10)}`,
      expected: "degraded",
      path: ["up", "degraded"],
    },
    {
      name: "9 good rounds are not enough to come back",
      script: `ooo xxx xxx xxx ${rep("ooo", 9)}`,
      expected: "down",
      path: ["up", "down"],
    },
    {
      name: "10 good rounds bring it back",
      script: `ooo xxx xxx xxx ${rep("ooo", 10)}`,
      expected: "up",
      path: ["up", "down", "up"],
    },
    {
      name: "a lost probe restarts the up run",
      script: `ooo xxx xxx xxx ${rep("ooo", 9)} xxx ${rep("ooo", 9)}`,
      expected: "down",
      path: ["up", "down"],
    },
    { name: "carrier loss → down at once", script: "ooo C", expected: "down", path: ["up", "down"] },
    { name: "address removed → down at once", script: "ooo A", expected: "down", path: ["up", "down"] },
    {
      name: "answers while the carrier is down do not count",
      script: `ooo C ${rep("ooo", 12)}`,
      expected: "down",
      path: ["up", "down"],
    },
    {
      name: "carrier back → up after a full up run",
      script: `ooo C c ${rep("ooo", 10)}`,
      expected: "up",
      path: ["up", "down", "up"],
    },
    {
      name: "30 % loss on every target → degraded, not down",
      script: `ooo ${rep("ooo ooo xxx ooo ooo xxx ooo xoo oox ooo", 3)}`,
      expected: "degraded",
      path: ["up", "degraded"],
    },
    {
      name: "slow answers → degraded by rtt",
      script: rep("sss", 10),
      expected: "degraded",
      path: ["up", "degraded"],
    },
    {
      name: "one slow target does not degrade the link (median)",
      script: rep("soo", 20),
      expected: "up",
      path: ["up"],
    },
    {
      name: "rtt ~360 ms: under the 400 ms threshold but over the 300 ms recovery one → stays degraded",
      script: `${rep("sss", 10)} ${rep("ooo", 3)}`,
      expected: "degraded",
      path: ["up", "degraded"],
    },
    {
      name: "degraded → up once the window is clean",
      script: `${rep("sss", 10)} ${rep("ooo", 40)}`,
      expected: "up",
      path: ["up", "degraded", "up"],
    },
    {
      name: "degraded → down on a full outage",
      script: `${rep("sss", 10)} xxx xxx xxx`,
      expected: "down",
      path: ["up", "degraded", "down"],
    },
  ])("$name", ({ script, expected, path }) => {
    const r = play(p, script);
    expect(r.machine.state).toBe(expected);
    expect(r.transitions.map((t) => t.to)).toEqual(path);
  });

  it.each([
    { reliability: 2, script: "ooo xxo xxo xxo", expected: "down" },
    { reliability: 2, script: "ooo xoo xoo xoo xoo", expected: "up" },
    { reliability: 3, script: "ooo oox oox oox", expected: "down" },
  ])("reliability $reliability: $script → $expected", ({ reliability, script, expected }) => {
    expect(play(defaultParams({ reliability }), script).machine.state).toBe(expected);
  });

  it("writes causes a person understands", () => {
    const down = play(p, `ooo xxx xxx xxx ${rep("ooo", 10)}`).transitions;
    expect(down.map((t) => t.cause)).toEqual([
      "answering at start (1/3 targets replied)",
      "no reply from 3/3 targets for 3 rounds",
      "recovered after 10 good rounds",
    ]);
    expect(play(p, "ooo C").transitions[1]?.cause).toBe("carrier lost on wan1");
    expect(play(p, rep("sss", 10)).transitions[1]?.cause).toBe("rtt 500ms over 400ms threshold");
    expect(play(p, `ooo ${rep("oox ooo xxx", 6)}`).transitions[1]?.cause).toMatch(
      /^loss \d+% over 20% threshold$/,
    );
  });

  it("flap damping: the third down within the damping window needs up × factor good rounds", () => {
    const flap = `xxx xxx xxx ${rep("ooo", 10)}`;
    const base = play(p, `ooo ${flap} ${flap}`);
    expect(base.machine.state).toBe("up");
    const third = play(p, `xxx xxx xxx ${rep("ooo", 39)}`, base.machine);
    expect(third.machine.state).toBe("down");
    const back = play(p, `xxx xxx xxx ${rep("ooo", 40)}`, base.machine);
    expect(back.machine.state).toBe("up");
    expect(back.transitions.at(-1)?.cause).toBe(
      "recovered after 40 good rounds (flap damping: 3 downs within 300 s)",
    );
  });

  it("flap damping forgets downs older than its window", () => {
    const flap = `xxx xxx xxx ${rep("ooo", 10)}`;
    const base = play(p, `ooo ${flap} ${flap} ${rep("ooo", 1600)}`);
    expect(play(p, `xxx xxx xxx ${rep("ooo", 10)}`, base.machine).machine.state).toBe("up");
  });

  it.each([
    { name: "no path yet: losses are not judged", script: "xxx xxx xxx xxx", expected: "unknown", path: [] },
    {
      name: "no path yet: answers are not judged either",
      script: "ooo ooo",
      expected: "unknown",
      path: [],
    },
    {
      name: "losses before the path count for nothing once it is there",
      script: "xxx xxx P xxx ooo",
      expected: "up",
      path: ["up"],
    },
    {
      name: "a dead link with its path: down after the settling time and `down` rounds",
      script: `xxx P ${rep("xxx", 13)}`,
      expected: "down",
      path: ["down"],
    },
    {
      name: "losses in the 2 s after the path appeared give no first verdict",
      script: `P ${rep("xxx", 9)}`,
      expected: "unknown",
      path: [],
    },
    {
      name: "path gone while up: not judged, not down",
      script: "P ooo p xxx xxx xxx xxx",
      expected: "up",
      path: ["up"],
    },
  ])("router's path: $name", ({ script, expected, path }) => {
    const r = play(p, script, undefined, true);
    expect(r.machine.state).toBe(expected);
    expect(r.transitions.map((t) => t.to)).toEqual(path);
  });

  it("a probe sent just before the path appeared is not judged when its timeout ends after", () => {
    let m = play(p, "", undefined, true).machine;
    m = step(p, m, { kind: "path", atMs: 100, ready: true }).machine;
    for (const target of p.targets) {
      const s = step(p, m, { kind: "probe", atMs: 700, outcome: { target, sentAtMs: 50, rttMs: null } });
      m = s.machine;
    }
    expect(m.runs[p.targets[0] ?? ""]?.lost).toBe(0);
    expect(m.windows[p.targets[0] ?? ""]?.samples).toEqual([]);
  });

  it("timeouts follow each target's RTTs, within floor and ceiling, and freeze while down", () => {
    expect(timeoutFor(p, play(p, "").machine, "a")).toBe(700); // no reply yet: the ceiling
    expect(timeoutFor(p, play(p, rep("ooo", 20)).machine, "a")).toBe(150); // 20 ms steady: the floor
    const slow = play(p, rep("sss", 20)).machine; // 500 ms steady: 500 + 4 · (shrinking) variation
    expect(timeoutFor(p, slow, "a")).toBeGreaterThan(500);
    expect(timeoutFor(p, slow, "a")).toBeLessThanOrEqual(700);
    const down = play(p, `ooo xxx xxx xxx`).machine;
    expect(down.state).toBe("down");
    const late = step(p, down, { kind: "rtt", atMs: 2000, target: "a", rttMs: 3000 }).machine;
    expect(late.rtt).toEqual(down.rtt);
    expect(timeoutFor(p, late, "a")).toBe(timeoutFor(p, down, "a"));
  });

  it("the shipped config defaults are the ones these tables assume", () => {
    const link = LinkConfigInput.parse({ name: "a", interface: "wan1" });
    const d = decisionParams(link.probe);
    expect({ ...d, targets: ["a", "b", "c"] }).toEqual(p);
  });
});

describe("quality: loss and RTT over the quality window", () => {
  const p = defaultParams({ targets: ["a", "b"] });
  const samples = (rtts: Array<number | null>) => ({
    samples: rtts.map((rttMs, i) => ({ sentAtMs: i * 200, rttMs })),
  });
  it("counts each window from qualitySinceMs, also for windows already counted from another point", () => {
    // a: 10 answered of 12 (RTTs 30, 30, then 10s); from 800 ms on, 8 of 8 at 10 ms. b: 12 of 12 at 10 ms.
    const a = samples([null, null, 30, 30, 10, 10, 10, 10, 10, 10, 10, 10]);
    const b = samples([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
    const m = { ...initialMachine(p, 0), windows: { a, b }, qualitySinceMs: 0 };
    // The lower median of two targets: the better one.
    expect(quality(p, m)).toEqual({ lossRatio: 0, rttMs: 10 });
    const onlyA = { ...m, windows: { a } };
    expect(quality(p, onlyA)).toEqual({ lossRatio: 2 / 12, rttMs: 14 });
    expect(quality(p, { ...onlyA, qualitySinceMs: 800 })).toEqual({ lossRatio: 0, rttMs: 10 });
    expect(quality(p, { ...onlyA, qualitySinceMs: 0 })).toEqual({ lossRatio: 2 / 12, rttMs: 14 });
    // Too few samples since the point (6 per target): no judgement.
    expect(quality(p, { ...onlyA, qualitySinceMs: 1400 })).toBeUndefined();
  });
});
