import { describe, expect, it } from "vitest";
import { type LinkHealth, type LinkState, latestMeasures, linkAddresses } from "./messages.js";

const learned = { source: "198.18.1.2", gateway: "198.18.1.1" };

describe("linkAddresses: the configured value always wins, the learned one fills in", () => {
  it.each([
    { name: "nothing known", link: {}, state: undefined, expected: [null, null, false, false] },
    { name: "learned", link: {}, state: learned, expected: ["198.18.1.2", "198.18.1.1", false, false] },
    {
      name: "configured over learned",
      link: { source: "198.18.9.2", gateway: "198.18.9.1" },
      state: learned,
      expected: ["198.18.9.2", "198.18.9.1", true, true],
    },
    {
      name: "configured gateway, learned source",
      link: { gateway: "198.18.9.1" },
      state: learned,
      expected: ["198.18.1.2", "198.18.9.1", false, true],
    },
    {
      name: "configured source, nothing learned yet",
      link: { source: "198.18.9.2" },
      state: { source: null, gateway: null },
      expected: ["198.18.9.2", null, true, false],
    },
  ])("$name", ({ link, state, expected }) => {
    const a = linkAddresses(link, state);
    expect([a.source, a.gateway, a.configured.source, a.configured.gateway]).toEqual(expected);
  });
});

describe("latestMeasures: the newer of the state (its last change) and the health (the heartbeat)", () => {
  const state = { rttMs: 10, lossRatio: 0.1, at: "2026-12-01T08:00:00.000Z" } as LinkState;
  const health = (at: string) =>
    ({ at, lossRatio: 0, rtt: { meanMs: 30, minMs: 30, maxMs: 30, jitterMs: 0 } }) as LinkHealth;
  it.each([
    { name: "only the state", h: undefined, s: state, expected: { rttMs: 10, lossRatio: 0.1 } },
    {
      name: "an older health",
      h: health("2026-12-01T07:59:58.000Z"),
      s: state,
      expected: { rttMs: 10, lossRatio: 0.1 },
    },
    {
      name: "a newer health",
      h: health("2026-12-01T08:00:02.000Z"),
      s: state,
      expected: { rttMs: 30, lossRatio: 0 },
    },
    { name: "nothing", h: undefined, s: undefined, expected: { rttMs: null, lossRatio: null } },
  ])("$name", ({ h, s, expected }) => {
    expect(latestMeasures(s, h)).toEqual(expected);
  });
});
