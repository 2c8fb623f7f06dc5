import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../src/adapters/migrations.js";
import { reportJson, reportTable } from "../src/core/format.js";
import { buildReport, type TransitionRecord } from "../src/core/report.js";

const doc = readFileSync(new URL("../../../docs/logger.md", import.meta.url), "utf8");
const block = (lang: string): string => {
  const fence = "```";
  const m = new RegExp(`${fence}${lang}\\n([\\s\\S]*?)${fence}`).exec(doc);
  if (m?.[1] === undefined) throw new Error(`docs/logger.md has no ${lang} block`);
  return m[1];
};

const M = 60_000;
const T0 = Date.parse("2026-11-29T10:00:00Z");
const tr = (
  n: number,
  link: string,
  to: TransitionRecord["to"],
  atMs: number,
  cause: string,
): TransitionRecord => ({
  id: `evt-${String(n).padStart(6, "0")}`,
  link,
  from: "unknown",
  to,
  atMs,
  cause,
});
// The history the examples in docs/logger.md were made from.
const history = [
  tr(1, "fiber", "up", T0, "probes answer"),
  tr(2, "fiber", "down", T0 + 10 * M, "all targets lost"),
  tr(3, "fiber", "up", T0 + 13 * M, "probes answer"),
  tr(4, "lte", "up", T0, "probes answer"),
  tr(5, "lte", "down", T0 + 50 * M, "carrier lost"),
];
const window = { sinceMs: T0, untilMs: T0 + 60 * M };
// And fiber disabled by an operator from 10:30 to 10:40.
const disabled = new Map([["fiber", [{ startMs: T0 + 30 * M, endMs: T0 + 40 * M }]]]);

describe("docs/logger.md", () => {
  it("shows the report table exactly as reportTable prints it", () => {
    expect(block("text")).toBe(reportTable(buildReport(history, window, [], disabled), window));
  });

  it("shows the --json document as reportJson builds it", () => {
    const json = reportJson(buildReport(history, window, [], disabled), window);
    expect(JSON.parse(block("json"))).toEqual({ ...json, links: [json.links[1]] });
  });

  it("lists every schema migration", () => {
    for (const m of MIGRATIONS) expect(doc).toMatch(new RegExp(`^\\| ${m.version}\\s+\\| `, "m"));
  });
});
