import { describe, expect, it } from "vitest";
import { RetainedGuard } from "./retained-guard.js";

describe("a retained copy against live messages", () => {
  it.each([
    {
      name: "retained first, then live",
      seq: [
        ["a", true],
        ["a", false],
      ],
      want: [true, true],
    },
    {
      name: "live first, then a stale retained copy",
      seq: [
        ["a", false],
        ["a", true],
      ],
      want: [true, false],
    },
    {
      name: "another topic's retained copy still counts",
      seq: [
        ["a", false],
        ["b", true],
      ],
      want: [true, true],
    },
    {
      name: "two retained copies",
      seq: [
        ["a", true],
        ["a", true],
      ],
      want: [true, true],
    },
  ] as Array<{ name: string; seq: Array<[string, boolean]>; want: boolean[] }>)("$name", ({ seq, want }) => {
    const g = new RetainedGuard();
    expect(seq.map(([topic, retain]) => g.accept(topic, retain))).toEqual(want);
  });

  it("takes retained copies again after a reconnect", () => {
    const g = new RetainedGuard();
    g.accept("a", false);
    g.reset();
    expect(g.accept("a", true)).toBe(true);
  });
});
