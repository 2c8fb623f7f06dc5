import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isPidAlive, parseNetnsList } from "./namespaces.js";

describe("parseNetnsList", () => {
  it("keeps names, drops ids and blank lines", () => {
    expect(parseNetnsList("wpl1x1-gw (id: 3)\nother\n\n")).toEqual(["wpl1x1-gw", "other"]);
    expect(parseNetnsList("")).toEqual([]);
  });
});

describe("isPidAlive", () => {
  it("sees this process and not a pid the kernel can never hand out", () => {
    expect(isPidAlive(process.pid)).toBe(true);
    const pidMax = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8"));
    expect(isPidAlive(pidMax + 1)).toBe(false);
  });
});
