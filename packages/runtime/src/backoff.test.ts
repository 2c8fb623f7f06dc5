import { describe, expect, it } from "vitest";
import { backoffMs } from "./backoff.js";

describe("backoffMs", () => {
  const policy = { firstDelayMs: 100, maxDelayMs: 1600 };
  it.each([
    { failures: 1, expected: 100 },
    { failures: 2, expected: 200 },
    { failures: 3, expected: 400 },
    { failures: 5, expected: 1600 },
    { failures: 6, expected: 1600 },
    { failures: 500, expected: 1600 },
  ])("failure $failures in a row waits $expected ms", ({ failures, expected }) => {
    expect(backoffMs(failures, policy)).toBe(expected);
  });
});
