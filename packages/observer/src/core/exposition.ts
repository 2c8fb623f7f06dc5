import type { MetricFamily } from "@wanpilot/common";

/** The Prometheus text exposition format (version 0.0.4). */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const escapeHelp = (s: string): string => s.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
const escapeLabel = (s: string): string =>
  s.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/** Families with the same name (one per part) are merged; each family is written once with its HELP and TYPE. */
export function mergeFamilies(families: MetricFamily[]): MetricFamily[] {
  const byName = new Map<string, MetricFamily>();
  for (const f of families) {
    const seen = byName.get(f.name);
    if (seen === undefined) byName.set(f.name, { ...f, samples: [...f.samples] });
    else if (seen.type === f.type) seen.samples.push(...f.samples);
  }
  return [...byName.values()].filter((f) => f.samples.length > 0);
}

/** Pure: families → exposition text. */
export function renderExposition(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of mergeFamilies(families)) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(",");
      lines.push(`${s.name}${labels === "" ? "" : `{${labels}}`} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Adds `part="<id>"` to every sample (a part's own process metrics would otherwise collide). */
export function withPart(families: MetricFamily[], part: string): MetricFamily[] {
  return families.map((f) => ({
    ...f,
    samples: f.samples.map((s) => ({ ...s, labels: { ...s.labels, part } })),
  }));
}
