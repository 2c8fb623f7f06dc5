import { describe, expect, it } from "vitest";
import { defaultParams } from "../../test/fixtures/params.js";
import { minQualitySamples } from "./machine.js";
import { paramsAtInterval } from "./rate-params.js";

describe("decision params at the standby interval", () => {
  const p = defaultParams();

  it("full rate: the params as they are", () => {
    expect(paramsAtInterval(p, p.intervalMs)).toBe(p);
  });

  it("30 s: rounds, timeout and thresholds unchanged; the window holds as many probes (20 s × 30 s / interval)", () => {
    const s = paramsAtInterval(p, 30_000);
    expect(s).toEqual({ ...p, intervalMs: 30_000, windowMs: (p.windowMs * 30_000) / p.intervalMs });
    expect(minQualitySamples(s)).toBe(minQualitySamples(p));
  });

  it("the window never grows past an hour (the config's bound)", () => {
    expect(paramsAtInterval(defaultParams({ windowMs: 600_000 }), 30_000).windowMs).toBe(3_600_000);
  });
});
