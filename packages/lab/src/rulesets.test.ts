import { describe, expect, it } from "vitest";
import { lossThreshold, renderGwRuleset, renderInetRuleset, renderIspRuleset } from "./rulesets.js";

const isp = {
  modemInterface: "wan",
  upInterface: "upstream",
  gwAddress: "198.18.1.2",
  inboundPorts: { first: 8000, last: 8999 },
};

describe("lossThreshold", () => {
  it.each([
    { percent: 0, threshold: 0 },
    { percent: 30, threshold: 1633 },
    { percent: 51, threshold: 3000 },
    { percent: 100, threshold: 10_000 },
  ])("$percent% round trip drops $threshold/10000 per direction", ({ percent, threshold }) => {
    expect(lossThreshold(percent)).toBe(threshold);
    const perDirection = threshold / 10_000;
    expect(1 - (1 - perDirection) ** 2).toBeCloseTo(percent / 100, 3);
  });

  it.each([-1, 101, Number.NaN])("refuses %d", (percent) => {
    expect(() => lossThreshold(percent)).toThrow(/between 0 and 100/);
  });
});

describe("renderIspRuleset", () => {
  it("replaces the whole table atomically and always masquerades toward the internet", () => {
    const text = renderIspRuleset({ ...isp, lossPercent: 0, upstreamCut: false });
    expect(text.startsWith("table inet wanpilot_lab\ndelete table inet wanpilot_lab\n")).toBe(true);
    expect(text).toContain('oifname "upstream" masquerade');
    expect(text).toContain("th dport 8000-8999 dnat ip to 198.18.1.2");
    expect(text).not.toContain("drop");
  });

  it("a cut upstream drops both directions on the upstream link only", () => {
    const text = renderIspRuleset({ ...isp, lossPercent: 0, upstreamCut: true });
    expect(text).toContain('iifname "upstream" drop');
    expect(text).toContain('oifname "upstream" drop');
    expect(text).not.toContain('"wan" numgen');
  });

  it("loss drops randomly both ways on the modem's link", () => {
    const text = renderIspRuleset({ ...isp, lossPercent: 30, upstreamCut: false });
    expect(text).toContain('iifname "wan" numgen random mod 10000 < 1633 drop');
    expect(text).toContain('oifname "wan" numgen random mod 10000 < 1633 drop');
  });
});

it("total loss is a plain drop", () => {
  const text = renderIspRuleset({ ...isp, lossPercent: 100, upstreamCut: false });
  expect(text).toContain('iifname "wan" drop');
  expect(text).not.toContain("numgen");
});

describe("gateway and inet rulesets", () => {
  it("masquerades on every wan when asked", () => {
    expect(renderGwRuleset(true)).toContain('oifname "wan*" meta nfproto ipv4 masquerade');
    expect(renderGwRuleset(false)).not.toContain("masquerade");
  });

  it("drops only blocked targets", () => {
    expect(renderInetRuleset([])).not.toContain("drop");
    expect(renderInetRuleset(["203.0.113.1", "203.0.113.3"])).toContain(
      "ip daddr { 203.0.113.1, 203.0.113.3 } drop",
    );
  });
});
