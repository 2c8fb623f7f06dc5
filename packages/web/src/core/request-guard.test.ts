import { describe, expect, it } from "vitest";
import { SECURITY_HEADERS, sameOrigin, sameToken, sessionCookie, sessionIdFrom } from "./request-guard.js";

describe("sameOrigin", () => {
  it.each([
    [{ origin: "http://192.168.1.1:8480", host: "192.168.1.1:8480" }, true],
    [{ origin: "http://192.168.1.1:8480", host: "192.168.1.1:8480", "sec-fetch-site": "same-origin" }, true],
    [{ origin: "http://evil.example", host: "192.168.1.1:8480" }, false],
    [{ origin: "http://192.168.1.1:8480", host: "192.168.1.1:8480", "sec-fetch-site": "cross-site" }, false],
    [{ origin: "http://192.168.1.1:8481", host: "192.168.1.1:8480" }, false],
    [{ origin: "null", host: "192.168.1.1:8480" }, false],
    [{ host: "192.168.1.1:8480" }, false],
    [{ origin: "file:///x", host: "" }, false],
  ])("%o → %s", (headers, expected) => {
    expect(sameOrigin(headers)).toBe(expected);
  });
});

describe("session cookie and tokens", () => {
  it("is HttpOnly and SameSite=Strict, and read back from a Cookie header among others", () => {
    expect(sessionCookie("abc", 60)).toBe(
      "wanpilot_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60",
    );
    expect(sessionIdFrom("a=1; wanpilot_session=abc; b=2")).toBe("abc");
    expect(sessionIdFrom("a=1")).toBeUndefined();
    expect(sessionIdFrom(undefined)).toBeUndefined();
  });

  it("compares tokens whole; an empty one never matches", () => {
    expect(sameToken("abcd", "abcd")).toBe(true);
    expect(sameToken("abcd", "abce")).toBe(false);
    expect(sameToken("abc", "abcd")).toBe(false);
    expect(sameToken("", "")).toBe(false);
  });

  it("allows no inline script or style and no framing", () => {
    const csp = SECURITY_HEADERS["Content-Security-Policy"] ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self';/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
  });
});
