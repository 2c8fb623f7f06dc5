import { PartMetrics } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { createPartRegistry, toFamilies } from "./part-metrics.js";

describe("a part's metrics on the bus", () => {
  it("fit the contract right after start, before the event loop has been sampled", async () => {
    // A fresh registry: prom-client's event-loop mean and stddev are NaN until the first sample.
    const raw = await createPartRegistry().getMetricsAsJSON();
    expect(raw.some((m) => m.values.some((v) => Number.isNaN(v.value)))).toBe(true);
    const families = toFamilies(raw);
    const parsed = PartMetrics.safeParse({ at: new Date().toISOString(), everyMs: 10_000, families });
    expect(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 2))).toBe(true);
    expect(families.find((f) => f.name === "process_cpu_user_seconds_total")?.samples).toHaveLength(1);
    expect(families.find((f) => f.name === "nodejs_eventloop_lag_mean_seconds")?.samples).toEqual([]);
  });
});
