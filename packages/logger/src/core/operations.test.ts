import type { Operation } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { disabledSpans } from "./operations.js";

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
/** [from, to) in minutes after T0. */
const span = (from: number, to: number) => ({ startMs: T0 + from * 60_000, endMs: T0 + to * 60_000 });

describe("disabledSpans", () => {
  it.each([
    { name: "disable → enable", ops: [op(20, "disable"), op(30, "enable")], want: [span(20, 30)] },
    { name: "disable → reset", ops: [op(0, "disable"), op(15, "reset")], want: [span(0, 15)] },
    { name: "still disabled", ops: [op(90, "disable")], want: [span(90, Number.POSITIVE_INFINITY)] },
    { name: "a refused disable counts nothing", ops: [op(20, "disable", "refused")], want: [] },
    { name: "drain is not disabled", ops: [op(20, "drain"), op(30, "enable")], want: [] },
    { name: "a drain ends a disable", ops: [op(20, "disable"), op(25, "drain")], want: [span(20, 25)] },
    {
      name: "disabled twice, a repeated disable changes nothing",
      ops: [op(20, "disable"), op(30, "enable"), op(40, "disable"), op(41, "disable"), op(50, "reset")],
      want: [span(20, 30), span(40, 50)],
    },
  ])("$name", ({ ops, want }) => {
    expect(disabledSpans(ops).get("dsl") ?? []).toEqual(want);
  });
});
