import { describe, expect, it } from "vitest";
import type { StatusView } from "../status/view.js";
import { WanpilotMetrics } from "./metrics.js";

const view: StatusView = {
  gateway: "gw",
  defaultRoute: { tier: 1, nexthops: [{ link: "dsl", weight: 1 }], mode: "balanced" },
  links: [
    {
      name: "dsl",
      interface: "wan1",
      state: "up",
      stale: false,
      since: "2026-11-29T12:00:00Z",
      cause: "",
      rttMs: 12.5,
      lossRatio: 0.01,
      weight: 1,
      tier: 1,
      active: true,
      connections: 7,
      share: 1,
      source: null,
      gateway: null,
    },
    {
      name: "lte",
      interface: "wwan0",
      state: "down",
      stale: false,
      since: null,
      cause: null,
      rttMs: null,
      lossRatio: null,
      weight: 1,
      tier: 2,
      active: false,
      connections: null,
      share: null,
      source: null,
      gateway: null,
    },
  ],
  processes: {
    router: { availability: "online", restarts: 2, pid: 10 },
    logger: { availability: "offline", restarts: null, pid: null },
  },
};

describe("WanpilotMetrics", () => {
  it("exposes each link's state, quality and share, and each part's availability", async () => {
    const m = new WanpilotMetrics();
    m.update(view);
    const text = await m.registry.metrics();
    expect(text).toContain('wanpilot_link_state{link="dsl",state="up"} 1');
    expect(text).toContain('wanpilot_link_state{link="dsl",state="down"} 0');
    expect(text).toContain('wanpilot_link_up{link="lte"} 0');
    expect(text).toContain('wanpilot_link_rtt_ms{link="dsl"} 12.5');
    expect(text).not.toContain('wanpilot_link_rtt_ms{link="lte"}');
    expect(text).toContain('wanpilot_link_connections{link="dsl"} 7');
    expect(text).toContain('wanpilot_link_state_since_seconds{link="dsl"} 1795953600');
    expect(text).toContain('wanpilot_process_online{process="router"} 1');
    expect(text).toContain('wanpilot_process_online{process="logger"} 0');
    expect(text).toContain('wanpilot_process_restarts{process="router"} 2');
  });
});
