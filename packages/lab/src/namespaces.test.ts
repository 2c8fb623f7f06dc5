import { describe, expect, it } from "vitest";
import { parseNetnsList } from "./namespaces.js";

describe("parseNetnsList", () => {
  it("keeps names, drops ids and blank lines", () => {
    expect(parseNetnsList("wpl1x1-gw (id: 3)\nother\n\n")).toEqual(["wpl1x1-gw", "other"]);
    expect(parseNetnsList("")).toEqual([]);
  });
});
