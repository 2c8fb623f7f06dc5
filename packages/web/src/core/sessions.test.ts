import { describe, expect, it } from "vitest";
import { MAX_SESSIONS, SESSION_TTL_MS, Sessions } from "./sessions.js";

describe("Sessions", () => {
  it("finds a session until it expires, and not after a logout", () => {
    const s = new Sessions();
    s.create("id1", "t1", 0);
    expect(s.get("id1", SESSION_TTL_MS - 1)?.csrf).toBe("t1");
    expect(s.get("id1", SESSION_TTL_MS)).toBeUndefined();
    s.create("id2", "t2", 0);
    s.delete("id2");
    expect(s.get("id2", 1)).toBeUndefined();
    expect(s.get(undefined, 1)).toBeUndefined();
  });

  it("keeps at most MAX_SESSIONS, dropping the oldest", () => {
    const s = new Sessions();
    for (let i = 0; i <= MAX_SESSIONS; i++) s.create(`id${i}`, `t${i}`, i);
    expect(s.get("id0", MAX_SESSIONS + 1)).toBeUndefined();
    expect(s.get(`id${MAX_SESSIONS}`, MAX_SESSIONS + 1)?.csrf).toBe(`t${MAX_SESSIONS}`);
  });
});
