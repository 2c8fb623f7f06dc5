import { describe, expect, it } from "vitest";
import { type StoredLinkState, storeLinkState } from "./link-state-writes.js";

const last: StoredLinkState = {
  interface: "wan1",
  state: "up",
  since: "2026-12-01T09:00:00.000Z",
  cause: "3/3 targets answer",
  atMs: 1_000_000,
};

describe("storeLinkState: a republished state is written when it changed, or to refresh `seen`", () => {
  it.each([
    { why: "nothing stored yet", prev: undefined, next: last, expected: true },
    {
      why: "the same state 2 s later",
      prev: last,
      next: { ...last, atMs: last.atMs + 2_000 },
      expected: false,
    },
    {
      why: "the same state 60 s later",
      prev: last,
      next: { ...last, atMs: last.atMs + 60_000 },
      expected: true,
    },
    {
      why: "another state",
      prev: last,
      next: { ...last, state: "down" as const, atMs: last.atMs + 2_000 },
      expected: true,
    },
    {
      why: "another cause",
      prev: last,
      next: { ...last, cause: "other", atMs: last.atMs + 2_000 },
      expected: true,
    },
    {
      why: "another since",
      prev: last,
      next: { ...last, since: "2026-12-01T09:01:00.000Z" },
      expected: true,
    },
    { why: "another interface", prev: last, next: { ...last, interface: "wan9" }, expected: true },
    { why: "the clock stepped back", prev: last, next: { ...last, atMs: last.atMs - 1 }, expected: true },
  ])("$why → $expected", ({ prev, next, expected }) => {
    expect(storeLinkState(prev, next, 60_000)).toBe(expected);
  });
});
