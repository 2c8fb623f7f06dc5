import { describe, expect, it } from "vitest";
import { summarizeFlows } from "./flows.js";

describe("summarizeFlows", () => {
  it("counts flows per ISP and failures, ignoring other lines", () => {
    const lines = [
      '{"event":"flow","index":2,"isp":"isp2"}',
      '{"event":"flow","index":0,"isp":"isp1"}',
      "not json",
      '{"event":"flow","index":1,"error":"timeout"}',
      '{"event":"flow","index":3,"isp":"isp2"}',
      '{"event":"done"}',
    ];
    expect(summarizeFlows(lines)).toEqual({
      flows: [
        { index: 0, isp: "isp1" },
        { index: 1, error: "timeout" },
        { index: 2, isp: "isp2" },
        { index: 3, isp: "isp2" },
      ],
      byIsp: { isp1: 1, isp2: 2 },
      failed: 1,
    });
  });
});
