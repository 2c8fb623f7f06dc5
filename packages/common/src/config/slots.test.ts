import { describe, expect, it } from "vitest";
import { allocateSlots } from "./identity.js";

describe("allocateSlots: a link's slot follows its name", () => {
  it.each([
    { name: "first start: config order", names: ["a", "b", "c"], prev: {}, expected: { a: 1, b: 2, c: 3 } },
    {
      name: "reordered: same slots",
      names: ["c", "a", "b"],
      prev: { a: 1, b: 2, c: 3 },
      expected: { a: 1, b: 2, c: 3 },
    },
    {
      name: "one removed: others keep theirs",
      names: ["c", "a"],
      prev: { a: 1, b: 2, c: 3 },
      expected: { a: 1, c: 3 },
    },
    {
      name: "one added: lowest free slot",
      names: ["d", "a", "c"],
      prev: { a: 1, c: 3 },
      expected: { a: 1, c: 3, d: 2 },
    },
    {
      name: "a bad or doubled file is ignored",
      names: ["a", "b"],
      prev: { a: 2, b: 2, x: 0 },
      expected: { a: 2, b: 1 },
    },
    { name: "out of capacity: reassigned", names: ["a"], prev: { a: 500 }, expected: { a: 1 } },
  ])("$name", ({ names, prev, expected }) => {
    expect(allocateSlots(names, prev, 127)).toEqual(expected);
  });
});
