import { describe, expect, it } from "vitest";
import { acksFor } from "./ack.js";

const AT = Date.parse("2026-11-29T10:00:00Z");

describe("acksFor", () => {
  it.each([
    { ids: [], max: 3, expected: [] },
    { ids: ["e1", "e2"], max: 3, expected: [["e1", "e2"]] },
    { ids: ["e1", "e2", "e1"], max: 3, expected: [["e1", "e2"]] },
    { ids: ["e1", "e2", "e3", "e4", "e5"], max: 2, expected: [["e1", "e2"], ["e3", "e4"], ["e5"]] },
  ])("$ids by $max → $expected", ({ ids, max, expected }) => {
    const acks = acksFor(ids, AT, max);
    expect(acks.map((a) => a.ids)).toEqual(expected);
    for (const a of acks) expect(a.at).toBe("2026-11-29T10:00:00.000Z");
  });
});
