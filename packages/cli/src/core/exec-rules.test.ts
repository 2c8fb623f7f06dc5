import { describe, expect, it } from "vitest";
import { dropRules, EXEC_UID, execRules, execRuleUids, pickUid } from "./exec-rules.js";

describe("exec rules", () => {
  it("pin the uid to the link's table, main's specific routes first, refused when the table has no route", () => {
    expect(execRules(2000000007, 102)).toEqual({
      ipv4: [
        "rule add priority 9900 uidrange 2000000007-2000000007 protocol 78 lookup main suppress_prefixlength 0",
        "rule add priority 9901 uidrange 2000000007-2000000007 protocol 78 lookup 102",
        "rule add priority 9902 uidrange 2000000007-2000000007 protocol 78 prohibit",
      ],
      ipv6: ["rule add priority 9902 uidrange 2000000007-2000000007 protocol 78 prohibit"],
    });
    expect(dropRules(2000000007).ipv4).toEqual([
      "rule del priority 9900 uidrange 2000000007-2000000007 protocol 78",
      "rule del priority 9901 uidrange 2000000007-2000000007 protocol 78",
      "rule del priority 9902 uidrange 2000000007-2000000007 protocol 78",
    ]);
  });

  it("pick a transient uid nobody has", () => {
    const first = pickUid(42, new Set());
    expect(first).toBeGreaterThanOrEqual(EXEC_UID.min);
    expect(first).toBeLessThan(EXEC_UID.min + EXEC_UID.count);
    expect(pickUid(42, new Set([first]))).toBe(first + 1);
  });

  it("find exec rules in `ip -json rule show`, and nobody else's", () => {
    const listing = [
      { priority: 0, src: "all", table: "local" },
      { priority: 9901, uid_start: 2000000007, uid_end: 2000000007, table: "102", protocol: "78" },
      { priority: 9902, uid_start: 2000000007, uid_end: 2000000007, action: "prohibit", protocol: "78" },
      // Someone else's uid rule, and one of ours by its number but not at our priorities.
      { priority: 9901, uid_start: 1000, uid_end: 1000, table: "5" },
      { priority: 500, uid_start: 2000000009, uid_end: 2000000009, table: "5", protocol: "78" },
    ];
    expect(execRuleUids(listing)).toEqual([2000000007]);
    expect(execRuleUids("not a listing")).toEqual([]);
  });
});
