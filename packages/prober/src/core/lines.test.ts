import { describe, expect, it } from "vitest";
import { MAX_PARTIAL_LINE, splitLines } from "./lines.js";

describe("splitLines", () => {
  it.each([
    { rest: "", chunk: "a\nb\n", lines: ["a", "b"], left: "" },
    { rest: "", chunk: "a\nb", lines: ["a"], left: "b" },
    { rest: "b", chunk: "c\nd", lines: ["bc"], left: "d" },
    { rest: "", chunk: "", lines: [], left: "" },
    { rest: "x", chunk: "", lines: [], left: "x" },
    { rest: "", chunk: "a\r\n\nb\r\n", lines: ["a", "", "b"], left: "" },
    { rest: "a\r", chunk: "\n", lines: ["a"], left: "" },
  ])("$rest + $chunk → $lines, keeps $left", ({ rest, chunk, lines, left }) => {
    expect(splitLines(rest, chunk)).toEqual({ lines, rest: left });
  });

  it("drops a partial line that grows past the bound, and reads the next lines again", () => {
    const long = "x".repeat(MAX_PARTIAL_LINE + 1);
    const a = splitLines("", long);
    expect(a).toEqual({ lines: [], rest: "" });
    expect(splitLines(a.rest, "ok\nnext\n").lines).toEqual(["ok", "next"]);
  });
});
