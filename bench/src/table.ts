import type { BenchResults, Machine, Measurement } from "./results.js";

/** A duration for people: ms under 10 s, seconds above. */
export function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One number in its unit (summaries of a unit other than ms hold that unit in their `…Ms` fields). */
export function formatIn(v: number, unit: Measurement["unit"]): string {
  switch (unit) {
    case "ms":
      return formatMs(v);
    case "points":
      return `${v.toFixed(2)} pt`;
    case "percent":
      return `${v.toFixed(1)} %`;
    case "MiB":
      return `${v.toFixed(1)} MiB`;
    case "ratio":
      return `× ${v.toFixed(2)}`;
    case "count":
      return String(v);
    case "MB/month":
      return `${v.toFixed(1)} MB/month`;
  }
}

export function formatValue(m: Measurement): string {
  if (m.display !== undefined) return m.display;
  const f = (v: number | null) => (v === null ? "—" : formatIn(v, m.unit));
  if (m.summary !== undefined) {
    const s = m.summary;
    if (s.n === 0) return "—";
    const tail = m.tail === "p99" ? s.p99Ms : s.p95Ms;
    return `${f(s.medianMs)} / ${f(tail)}${m.tail === "p99" ? " (p99)" : ""}`;
  }
  return f(m.value ?? null);
}

/** Markdown formatters (biome) pad every column to at least 3 (`---`): so do we, and pasted tables stay as printed. */
const MIN_WIDTH = 3;

const HEAD = ["scenario", "metric", "system", "median / p95 or value", "n", "note"] as const;

function cells(m: Measurement): string[] {
  return [
    m.scenario,
    m.metric,
    m.system,
    formatValue(m),
    m.summary === undefined ? "" : String(m.summary.n),
    m.note ?? "",
  ];
}

/** A Markdown table (also readable as plain text), columns padded to their widest cell. */
export function formatTable(measurements: readonly Measurement[]): string {
  const rows = [HEAD.map(String), ...measurements.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(MIN_WIDTH, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
  const [head, ...body] = rows;
  return [line(head ?? []), rule, ...body.map(line)].join("\n");
}

export function formatMachine(m: Machine, date: string): string {
  return `${date} · ${m.cpuModel}, ${m.cores} cores, ${m.memoryMiB} MiB · Linux ${m.kernel} · Node ${m.node}`;
}

/**
 * One scenario's measurements as metric × system (the failover comparison: wanpilot's profiles, the
 * classic recipe and the kernel alone side by side). Cells are what formatValue prints.
 */
export function formatPivot(measurements: readonly Measurement[], scenario: string): string {
  const ms = measurements.filter((m) => m.scenario === scenario && m.unit !== "ratio");
  const systems = [...new Set(ms.map((m) => m.system))];
  const metrics = [...new Set(ms.map((m) => m.metric))];
  const rows = metrics.map((metric) => [
    metric,
    ...systems.map((system) => {
      const m = ms.find((x) => x.metric === metric && x.system === system);
      return m === undefined ? "" : formatValue(m);
    }),
  ]);
  const head = [`${scenario} (median / p95)`, ...systems];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(MIN_WIDTH, ...all.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(head), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

/** Everything a run prints at the end: the machine, the table, the notes and failures. */
export function formatReport(r: BenchResults): string {
  const all = r.scenarios.flatMap((s) => s.measurements);
  // blank lines where a Markdown formatter would put them: the output pastes into docs unchanged
  const out = [
    `Machine: ${formatMachine(r.machine, r.date)}`,
    "",
    `Command: \`${r.command}\``,
    "",
    formatTable(all),
  ];
  if (all.some((m) => m.scenario === "failover")) out.push("", formatPivot(all, "failover"));
  const notes = r.scenarios.flatMap((s) => s.notes.map((n) => `- ${s.name}: ${n}`));
  if (notes.length > 0) out.push("", "Notes:", "", ...notes);
  const failed = r.scenarios.filter((s) => s.error !== undefined);
  if (failed.length > 0) out.push("", "Failed:", "", ...failed.map((s) => `- ${s.name}: ${s.error}`));
  return out.join("\n");
}
