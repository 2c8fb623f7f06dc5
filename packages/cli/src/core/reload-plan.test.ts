import type { WanpilotConfig } from "@wanpilot/common";
import { testConfig } from "@wanpilot/testing";
import { describe, expect, it } from "vitest";
import { planReload } from "./reload-plan.js";

function cfg(links: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): WanpilotConfig {
  return testConfig({ links, ...extra });
}
const dsl = { name: "dsl", interface: "wan1", table: 101 };
const cable = { name: "cable", interface: "wan2", table: 102 };
const lte = { name: "lte", interface: "wwan0", table: 103 };

describe("planReload", () => {
  it.each([
    {
      name: "weights and tiers: no prober restarts",
      next: [
        { ...dsl, weight: 3 },
        { ...cable, tier: 2 },
      ],
      want: { add: [], remove: [], restart: [] },
    },
    { name: "reordered: nothing restarts", next: [cable, dsl], want: { add: [], remove: [], restart: [] } },
    { name: "a link added", next: [dsl, cable, lte], want: { add: ["lte"], remove: [], restart: [] } },
    { name: "a link removed", next: [dsl], want: { add: [], remove: ["cable"], restart: [] } },
    {
      name: "probe targets changed: that prober only",
      next: [dsl, { ...cable, probe: { targets: ["203.0.113.9"] } }],
      want: { add: [], remove: [], restart: ["cable"] },
    },
  ])("$name", ({ next, want }) => {
    expect(planReload(cfg([dsl, cable]), cfg(next))).toMatchObject({ ok: true, ...want });
  });

  it.each([
    ["gateway", { gateway: "other" }],
    ["bus", { bus: { listen: "127.0.0.1:1999" } }],
    ["runtime_dir", { runtime_dir: "/run/x" }],
  ])("refuses a change of %s (needs a restart)", (key, extra) => {
    const r = planReload(cfg([dsl]), cfg([dsl], extra));
    expect(r).toEqual({
      ok: false,
      reason: `${key} changed: restart wanpilot to apply it (nothing was changed)`,
    });
  });
});
