import { type LinkState, validateConfig } from "@wanpilot/common";
import { linkStateFixture } from "@wanpilot/testing";
import { describe, expect, it } from "vitest";
import { renderExposition } from "./exposition.js";
import { wanpilotFamilies } from "./metrics.js";
import { countRouteChange, countTransition, emptyState, freshParts } from "./state.js";

const parsed = validateConfig({
  links: [
    { name: "dsl", interface: "wan1" },
    { name: "lte", interface: "wwan0", tier: 2 },
  ],
});
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const config = parsed.config;
const build = { version: "1.0.0", nodeVersion: "v20.0.0" };

const linkState = (link: string, state: LinkState["state"]): LinkState =>
  linkStateFixture(link, state, { interface: link === "dsl" ? "wan1" : "wwan0" });

function stateWith(onlineProbers: string[]) {
  const s = emptyState();
  for (const l of ["dsl", "lte"]) s.links.set(l, linkState(l, "up"));
  for (const l of onlineProbers) s.availability.set(`prober/${l}`, "online");
  s.availability.set("prober/lte", onlineProbers.includes("lte") ? "online" : "offline");
  return s;
}

const names = (text: string, link: string) =>
  text
    .split("\n")
    .filter((l) => !l.startsWith("#") && l.includes(`link="${link}"`))
    .map((l) => l.split("{")[0]);

describe("wanpilotFamilies", () => {
  it("serves an online prober's link in base units and nothing frozen of an offline one", () => {
    const text = renderExposition(wanpilotFamilies(config, stateWith(["dsl"]), build, 0));
    expect(text).toContain('wanpilot_link_rtt_seconds{link="dsl"} 0.02');
    expect(text).toContain('wanpilot_link_last_change_timestamp_seconds{link="dsl"} 1767225600');
    expect(text).toContain('wanpilot_link_stale{link="dsl"} 0');
    expect(text).toContain('wanpilot_link_stale{link="lte"} 1');
    expect(text).toContain('wanpilot_link_info{link="lte",interface="wwan0",tier="2"} 1');
    expect(new Set(names(text, "lte"))).toEqual(
      new Set([
        "wanpilot_link_info",
        "wanpilot_link_stale",
        "wanpilot_link_transitions_total",
        "wanpilot_connections_flushed_total",
      ]),
    );
    expect(text).toContain('wanpilot_build_info{version="1.0.0",nodejs="v20.0.0"} 1');
  });

  it("counts each event id once (parts resend until the logger acks)", () => {
    const s = stateWith(["dsl", "lte"]);
    const t = {
      id: "dsl:00000001",
      link: "dsl",
      from: "up" as const,
      to: "down" as const,
      at: "2026-01-01T00:00:00.000Z",
      cause: "x",
    };
    countTransition(s.counters, t);
    countTransition(s.counters, t);
    const r = {
      id: "router-00000001",
      at: "2026-01-01T00:00:00.000Z",
      reason: "dsl down",
      defaultRoute: { tier: 1, nexthops: [], mode: "unreachable" as const },
      flushed: [{ link: "dsl", connections: 7 }],
    };
    countRouteChange(s.counters, r);
    countRouteChange(s.counters, r);
    const text = renderExposition(wanpilotFamilies(config, s, build, 0));
    expect(text).toContain('wanpilot_link_transitions_total{link="dsl",to="down"} 1');
    expect(text).toContain('wanpilot_link_transitions_total{link="dsl",to="up"} 0');
    expect(text).toContain("wanpilot_route_changes_total 1");
    expect(text).toContain('wanpilot_connections_flushed_total{link="dsl"} 7');
  });

  it("serves a part's own metrics only while it is online and has published within three periods", () => {
    const s = stateWith(["dsl"]);
    const metrics = { at: "2026-01-01T00:00:00.000Z", everyMs: 10_000, families: [] };
    s.parts.set("prober/dsl", { metrics, receivedAtMs: 1000 });
    s.parts.set("prober/lte", { metrics, receivedAtMs: 1000 });
    expect(freshParts(s, 31_000).map(([p]) => p)).toEqual(["prober/dsl"]);
    expect(freshParts(s, 31_001)).toEqual([]);
  });
});
