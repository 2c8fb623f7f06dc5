import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { filePageFrame, groupMemoryKiB, parseAnonKiB, parseFileMappings } from "./group-memory.js";
import { waitFor } from "./poll.js";

describe("group memory", () => {
  it("keeps file-backed mappings only", () => {
    const maps = [
      "00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/node",
      "7f00aa000000-7f00aa021000 rw-p 00000000 00:00 0 ",
      "7ffd1c9e5000-7ffd1ca06000 rw-p 00000000 00:00 0                          [stack]",
      "7f00ab000000-7f00ab002000 r--p 00001000 08:02 55 /usr/lib/x86_64-linux-gnu/libc.so.6",
      "",
    ].join("\n");
    expect(parseFileMappings(maps)).toEqual([
      { start: 0x400000, end: 0x452000 },
      { start: 0x7f00ab000000, end: 0x7f00ab002000 },
    ]);
  });

  it("reads a pagemap entry's frame only for a present file page", () => {
    const entry = (high: number, low: number) => {
      const b = Buffer.alloc(8);
      b.writeUInt32LE(low, 0);
      b.writeUInt32LE(high >>> 0, 4);
      return b;
    };
    expect(filePageFrame(entry(0xa000_0001, 0x1234), 0)).toBe(0x1_0000_1234);
    expect(filePageFrame(entry(0x8000_0000, 0x1234), 0)).toBeUndefined(); // anonymous
    expect(filePageFrame(entry(0x2000_0000, 0x1234), 0)).toBeUndefined(); // not present
  });

  it("adds RssShmem to RssAnon", () => {
    expect(parseAnonKiB("VmRSS:\t 100 kB\nRssAnon:\t  40 kB\nRssFile:\t 58 kB\nRssShmem:\t 2 kB\n")).toBe(42);
    expect(parseAnonKiB("Name:\tkthreadd\n")).toBeUndefined();
  });

  it("counts a process about as its RSS, and the pages two processes share once", async () => {
    const rss = (pid: number) =>
      Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    // Two of the same program: its code and libc are the same file pages in both.
    const kids = [1, 2].map(() => spawn("sleep", ["30"], { stdio: "ignore" }));
    try {
      const pids = kids.map((k) => k.pid as number);
      const started = () => pids.every((p) => readFileSync(`/proc/${p}/comm`, "utf8").trim() === "sleep");
      await waitFor("both sleeps started", () => (started() ? true : undefined), 5000, 20);
      const one = groupMemoryKiB([pids[0] as number]);
      // Root reads page frames; elsewhere the kernel hides them and there is no answer.
      if (process.getuid?.() !== 0) return expect(one).toBeUndefined();
      const [a, b] = pids.map(rss) as [number, number];
      expect(one).toBeGreaterThan(a * 0.8);
      expect(one).toBeLessThan(a * 1.2);
      const both = groupMemoryKiB(pids) as number;
      // Each sleep's own (anonymous) pages are small: together they cost far less than the sum of their RSS.
      expect(both).toBeLessThan(((a + b) * 3) / 4);
      expect(both).toBeGreaterThanOrEqual(one as number);
    } finally {
      for (const k of kids) k.kill();
    }
  });
});
