import { describe, expect, it } from "vitest";
import { isLabError } from "./errors.js";
import { namespaceName, newLabId, parseLabNamespace } from "./names.js";

describe("lab names", () => {
  it.each([
    { name: "wpl4711x1abcde-gw", expected: { labId: "wpl4711x1abcde", pid: 4711, role: "gw" } },
    {
      name: "wpl4711x1abcde-demo-isp12",
      expected: { labId: "wpl4711x1abcde-demo", pid: 4711, role: "isp12" },
    },
    { name: "wpl1x2-lan", expected: { labId: "wpl1x2", pid: 1, role: "lan" } },
    { name: "wpl1x2-inet", expected: { labId: "wpl1x2", pid: 1, role: "inet" } },
    { name: "wpl1x2-router", expected: undefined },
    { name: "wplx2-gw", expected: undefined },
    { name: "docker-gw", expected: undefined },
    { name: "wpl12-gw", expected: undefined },
  ])("parses $name", ({ name, expected }) => {
    expect(parseLabNamespace(name)).toEqual(expected);
  });

  it("round-trips ids it generates, with and without a label", () => {
    for (const label of [undefined, "bench7"]) {
      const id = newLabId(4242, label);
      expect(parseLabNamespace(namespaceName(id, "isp3"))).toEqual({ labId: id, pid: 4242, role: "isp3" });
    }
  });

  it("never hands out the same id twice", () => {
    const ids = new Set(Array.from({ length: 200 }, () => newLabId(1)));
    expect(ids.size).toBe(200);
  });

  it.each(["", "Demo", "has-dash", "waytoolonglabel"])("refuses label %j", (label) => {
    expect(() => newLabId(1, label)).toThrow();
    try {
      newLabId(1, label);
    } catch (error) {
      expect(isLabError(error, "LAB_INVALID_OPTIONS")).toBe(true);
    }
  });
});
