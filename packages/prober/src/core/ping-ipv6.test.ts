import { describe, expect, it } from "vitest";
import { parsePingLine } from "./ping-tracker.js";

describe("ping -6 output", () => {
  it.each([
    [
      "64 bytes from 2001:db8:ffff::1: icmp_seq=7 ttl=63 time=0.117 ms",
      { kind: "reply", seq: 7, rttMs: 0.117, atMs: 5 },
    ],
    [
      "64 bytes from fe80::1%wan1: icmp_seq=2 ttl=64 time=0.054 ms",
      { kind: "reply", seq: 2, rttMs: 0.054, atMs: 5 },
    ],
    ["no answer yet for icmp_seq=9", { kind: "noAnswer", seq: 9, atMs: 5 }],
    ["From 2001:db8:1::1 icmp_seq=3 Destination unreachable: No route", { kind: "error", seq: 3, atMs: 5 }],
  ])("%s", (line, expected) => {
    expect(parsePingLine(line, 5)).toEqual(expected);
  });
});
