import type { Operation } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { disabledMs } from "./operations.js";

const T0 = Date.parse("2026-12-01T00:00:00.000Z");
const op = (
  minute: number,
  action: Operation["action"],
  result: Operation["result"] = "accepted",
): Operation => ({
  id: `op-000000${minute}`,
  at: new Date(T0 + minute * 60_000).toISOString(),
  by: "operator",
  action,
  link: "dsl",
  value: null,
  command: null,
  result,
  reason: "",
});
const w = { sinceMs: T0 + 10 * 60_000, untilMs: T0 + 100 * 60_000 };
const min = 60_000;

describe("disabledMs", () => {
  it.each([
    { name: "disable → enable inside", ops: [op(20, "disable"), op(30, "enable")], want: 10 * min },
    { name: "disabled before the window", ops: [op(0, "disable"), op(15, "reset")], want: 5 * min },
    { name: "still disabled at the end", ops: [op(90, "disable")], want: 10 * min },
    { name: "a refused disable counts nothing", ops: [op(20, "disable", "refused")], want: 0 },
    { name: "drain is not disabled", ops: [op(20, "drain"), op(30, "enable")], want: 0 },
  ])("$name", ({ ops, want }) => {
    expect(disabledMs(ops, w).get("dsl") ?? 0).toBe(want);
  });
});
