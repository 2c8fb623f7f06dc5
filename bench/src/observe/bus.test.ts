import { topics } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { parseTapLine } from "./bus.js";

const at = "2026-11-29T12:00:00.000Z";
const linkState = {
  link: "isp1",
  state: "down",
  since: at,
  cause: "3 probes lost",
  interface: "wan1",
  source: "198.18.1.2",
  gateway: "198.18.1.1",
  carrier: true,
  rttMs: null,
  lossRatio: 1,
  at,
};
const line = (topic: string, payload: unknown) => JSON.stringify({ t: 5, topic, payload });

describe("parseTapLine", () => {
  it.each([
    { l: line(topics.linkState("bench", "isp1"), linkState), kind: "linkState" },
    {
      l: line(topics.routerEvent("bench"), {
        id: "router-00000001",
        at,
        reason: "isp1 down",
        defaultRoute: { tier: 1, nexthops: [{ link: "isp2", weight: 1 }], mode: "balanced" },
      }),
      kind: "routeChange",
    },
    { l: line(topics.linkState("bench", "isp1"), { ...linkState, state: "sideways" }), kind: undefined },
    { l: line(topics.availability("bench", { kind: "router" }), "online"), kind: undefined },
    { l: "not json", kind: undefined },
    { l: JSON.stringify({ topic: topics.linkState("bench", "isp1"), payload: linkState }), kind: undefined },
  ])("$kind", ({ l, kind }) => {
    expect(parseTapLine(l)?.kind).toBe(kind);
  });

  it("keeps the receive time and the link", () => {
    expect(parseTapLine(line(topics.linkState("bench", "isp1"), linkState))).toMatchObject({
      t: 5,
      link: "isp1",
      state: { state: "down", since: at },
    });
  });
});
