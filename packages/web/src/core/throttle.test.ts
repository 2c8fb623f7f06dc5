import { describe, expect, it } from "vitest";
import { LoginThrottle } from "./throttle.js";

const policy = { windowMs: 60_000, perClient: 3, overall: 5 };

describe("LoginThrottle", () => {
  it("refuses a client after its failures, until the oldest leaves the window", () => {
    const t = new LoginThrottle(policy);
    for (const at of [0, 1000, 2000]) {
      expect(t.check("a", at)).toEqual({ ok: true });
      t.failed("a", at);
    }
    expect(t.check("a", 3000)).toEqual({ ok: false, retryAfterMs: 57_000 });
    expect(t.check("b", 3000)).toEqual({ ok: true });
    expect(t.check("a", 60_001)).toEqual({ ok: true });
  });

  it("bounds everyone together: rotating addresses does not buy more guesses", () => {
    const t = new LoginThrottle(policy);
    ["a", "b", "c", "d", "e"].forEach((c, i) => {
      t.failed(c, i);
    });
    expect(t.check("fresh", 10)).toEqual({ ok: false, retryAfterMs: 59_990 });
  });

  it("success is not counted: a client that logs in correctly is never held back", () => {
    const t = new LoginThrottle(policy);
    for (let i = 0; i < 100; i++) expect(t.check("a", i).ok).toBe(true);
  });
});
