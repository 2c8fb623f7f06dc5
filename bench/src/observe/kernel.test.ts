import { describe, expect, it } from "vitest";
import { burst, parseIpTimestamp } from "./kernel.js";

describe("parseIpTimestamp", () => {
  it.each([
    { line: "[2026-11-29T12:40:00.123456] default via 198.18.1.1 dev wan1", offsetMs: 123.456 },
    { line: "[2026-11-29T12:40:00] Deleted default", offsetMs: 0 },
  ])("$line", ({ line, offsetMs }) => {
    expect(parseIpTimestamp(line)).toBeCloseTo(new Date("2026-11-29T12:40:00").getTime() + offsetMs, 3);
  });
  it.each(["default via 198.18.1.1", "\tnexthop via 198.18.2.1 dev wan2 weight 1", "[garbage]"])(
    "%s has none",
    (line) => {
      expect(parseIpTimestamp(line)).toBeUndefined();
    },
  );
});

describe("burst", () => {
  it.each([
    { times: [], from: 0, expected: undefined },
    { times: [5, 10, 12, 100], from: 0, expected: { first: 5, last: 12, count: 3 } },
    { times: [5, 10, 12, 100], from: 11, expected: { first: 12, last: 12, count: 1 } },
    { times: [40, 10, 30, 20], from: 0, expected: { first: 10, last: 40, count: 4 } },
  ])("$times from $from", ({ times, from, expected }) => {
    expect(burst(times, from, 50)).toEqual(expected);
  });
});
