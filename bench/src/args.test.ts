import { describe, expect, it } from "vitest";
import { parseArgs } from "./args.js";

const known = ["failover", "balance"];

describe("parseArgs", () => {
  it.each([
    { argv: [], expected: { quick: false, only: undefined, out: "r.json", list: false, table: undefined } },
    {
      argv: ["--quick"],
      expected: { quick: true, only: undefined, out: "r.json", list: false, table: undefined },
    },
    {
      argv: ["--only", "failover,balance"],
      expected: { quick: false, only: ["failover", "balance"], out: "r.json", list: false, table: undefined },
    },
    {
      argv: ["--out", "/tmp/x.json", "--list"],
      expected: { quick: false, only: undefined, out: "/tmp/x.json", list: true, table: undefined },
    },
    {
      argv: ["--table", "r.json"],
      expected: { quick: false, only: undefined, out: "r.json", list: false, table: "r.json" },
    },
    { argv: ["--only"], expected: "--only needs a value" },
    { argv: ["--only", "--quick"], expected: "--only needs a value" },
    { argv: ["--only", "scale"], expected: "unknown scenario scale (known: failover, balance)" },
    {
      argv: ["--fast"],
      expected:
        "unknown argument --fast (try --quick, --only <scenario>[,<scenario>], --out <file>, --table <results.json>, --list)",
    },
  ])("$argv", ({ argv, expected }) => {
    expect(parseArgs(argv, known, "r.json")).toEqual(expected);
  });
});
