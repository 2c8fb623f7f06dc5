import { readFileSync } from "node:fs";
import { emptyState, wanpilotFamilies } from "@wanpilot/observer";
import { createPartRegistry } from "@wanpilot/runtime";
import { testConfig } from "@wanpilot/testing";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ProbeMetrics } from "../packages/prober/src/adapters/probe-metrics.js";

// The Grafana dashboard and docs/metrics.md are held to the metrics wanpilot actually serves.
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

async function servedNames(): Promise<Set<string>> {
  const config = testConfig({ links: [{ name: "dsl", interface: "wan1" }] });
  const families: Array<{ name: string; type: string }> = wanpilotFamilies(
    config,
    emptyState(),
    { version: "0", nodeVersion: "v20" },
    0,
  );
  const probes = new Registry();
  new ProbeMetrics(probes, "dsl").declare(["t"]);
  for (const r of [probes, createPartRegistry()])
    families.push(...(await r.getMetricsAsJSON()).map((m) => ({ name: m.name, type: String(m.type) })));
  const names = new Set<string>();
  for (const f of families) {
    names.add(f.name);
    if (f.type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(`${f.name}${s}`);
  }
  return names;
}

const dashboard = JSON.parse(read("deploy/grafana/wanpilot.json")) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  templating: { list: Array<{ query: unknown }> };
};
const exprs = [
  ...dashboard.panels.flatMap((p) => p.targets.map((t) => [p.title, t.expr] as const)),
  ...dashboard.templating.list
    .filter((v) => typeof v.query === "string" && v.query.includes("("))
    .map((v) => ["variable", String(v.query)] as const),
];
const metricsIn = (expr: string) =>
  [...expr.matchAll(/\b((?:wanpilot|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1] ?? "");

describe("deploy/grafana/wanpilot.json", () => {
  it("has panels for availability, RTT, loss and failovers", () => {
    const all = exprs.map(([, e]) => e).join("\n");
    for (const m of [
      "wanpilot_link_up",
      "wanpilot_link_rtt_seconds",
      "wanpilot_link_loss_ratio",
      "wanpilot_link_transitions_total",
    ])
      expect(all).toContain(m);
  });

  it.each(exprs)("%s: every metric the query names is one wanpilot serves (%s)", async (_title, expr) => {
    const names = await servedNames();
    const used = metricsIn(expr);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((n) => !names.has(n))).toEqual([]);
  });
});

describe("docs/metrics.md", () => {
  it("documents every wanpilot metric served", async () => {
    const doc = read("docs/metrics.md");
    const own = [...(await servedNames())].filter(
      (n) => n.startsWith("wanpilot_") && !/_(bucket|sum|count)$/.test(n),
    );
    expect(own.filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
  });
});
