import { describe, expect, it } from "vitest";
import { textTable } from "./text-table.js";

describe("textTable", () => {
  it("pads each column to its widest cell, two spaces apart, no trailing blanks", () => {
    expect(
      textTable([
        ["LINK", "STATE", "CAUSE"],
        ["fiber", "up", ""],
        ["lte", "down", "carrier lost"],
      ]),
    ).toEqual(["LINK   STATE  CAUSE", "fiber  up", "lte    down   carrier lost"]);
  });
  it("has no lines for no rows", () => expect(textTable([])).toEqual([]));
});
