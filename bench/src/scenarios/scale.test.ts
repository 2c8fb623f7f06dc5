import { validateConfig } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { groupTicks } from "./cost.js";
import { scaleRules } from "./scale.js";

describe("scaleRules", () => {
  it("makes 200 rules a 16-link config accepts", () => {
    const links = Array.from({ length: 16 }, (_, i) => ({
      name: `isp${i + 1}`,
      interface: `wan${i + 1}`,
      gateway: `198.18.${i + 1}.1`,
      source: `198.18.${i + 1}.2`,
      probe: { targets: ["203.0.113.1"] },
    }));
    const parsed = validateConfig({ gateway: "bench", links, rules: scaleRules(16, 200) });
    expect(parsed.ok ? parsed.config.rules.length : parsed.problems).toBe(200);
  });
});

describe("groupTicks", () => {
  it.each([
    { pids: [1, 2], expected: 15 }, // 1: 10 → 20, 2: new, 5
    { pids: [3], expected: 0 }, // gone by the end: nothing known
    { pids: [], expected: 0 },
  ])("$pids → $expected", ({ pids, expected }) => {
    const before = [
      { pid: 1, ppid: 0, ticks: 10 },
      { pid: 3, ppid: 0, ticks: 7 },
    ];
    const after = [
      { pid: 1, ppid: 0, ticks: 20 },
      { pid: 2, ppid: 1, ticks: 5 },
    ];
    expect(groupTicks(pids, before, after)).toBe(expected);
  });
});
