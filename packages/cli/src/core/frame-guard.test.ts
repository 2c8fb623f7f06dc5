import { describe, expect, it } from "vitest";
import { FrameGuard } from "./frame-guard.js";

const varint = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
};
const packet = (size: number) => Buffer.from([0x30, ...varint(size), ...new Array<number>(size).fill(7)]);

describe("FrameGuard", () => {
  it.each([
    ["a packet at the limit", [packet(100)], 100, true],
    ["a packet one byte over", [packet(101)], 100, false],
    ["zero-length packets (PINGREQ)", [Buffer.from([0xc0, 0, 0xc0, 0])], 0, true],
    ["several packets in one chunk", [Buffer.concat([packet(10), packet(20), packet(30)])], 30, true],
    ["an oversized one after small ones", [Buffer.concat([packet(10), packet(31)])], 30, false],
    // Only the header is needed: a 256 MB declaration is refused before its body arrives.
    ["a 256 MB declaration, header only", [Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])], 1 << 20, false],
    ["a header split across chunks", [Buffer.from([0x30, 0x80]), Buffer.from([0x01])], 100, false],
    [
      "a body split across chunks",
      [packet(50).subarray(0, 20), packet(50).subarray(20), packet(5)],
      50,
      true,
    ],
    ["a fifth length byte", [Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01])], 1 << 30, false],
  ])("%s", (_name, chunks, limit, ok) => {
    const guard = new FrameGuard(() => limit);
    const verdicts = chunks.map((c) => guard.feed(c));
    expect(verdicts.every((v) => v.ok)).toBe(ok);
  });

  it("asks the limit at each header (it grows once a part has logged in)", () => {
    let limit = 10;
    const guard = new FrameGuard(() => limit);
    expect(guard.feed(packet(10)).ok).toBe(true);
    limit = 1000;
    expect(guard.feed(packet(500)).ok).toBe(true);
  });
});
