import * as z from "zod";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** "500ms", "2s", "5m", "1h", "7d" or a plain number of milliseconds → milliseconds; undefined when not a duration. */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const m = DURATION_RE.exec(value);
  if (m === null) return /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
  return Number(m[1]) * (UNIT_MS[m[2] ?? "ms"] ?? 1);
}

const UNITS = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
] as const;

/** Formats milliseconds exactly, the way a person writes them in the config ("1.5s", "500ms", "5m"). */
export function formatDurationMs(ms: number): string {
  for (const [unit, size] of UNITS) {
    if (ms >= size && ms % (size / 10) === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * A duration for reading at a glance, in the two largest units ("2m30s", "1d2h", "3h", "450ms"); seconds
 * and above are rounded down to whole seconds. "-" for null (not known).
 */
export function humanDurationMs(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000) * 1000;
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
  }
  return parts
    .slice(0, 2)
    .filter((p) => !/^0\D/.test(p))
    .join("");
}

/** A duration field: accepts "500ms" | "2s" | "5m" | number (ms); yields milliseconds. */
export function duration(opts: { min?: number; max?: number } = {}) {
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  return z
    .union([z.number(), z.string()])
    .transform((raw, ctx) => {
      const ms = parseDurationMs(raw);
      if (ms === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(raw)} is not a duration (try 500ms, 2s or 5m)`,
        });
        return z.NEVER;
      }
      if (ms < min || ms > max) {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(raw)} is out of range (${formatDurationMs(min)} to ${formatDurationMs(max)})`,
        });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ description: "A duration: 500ms, 2s, 5m, 1h, 7d, or a number of milliseconds" });
}

/** "20%" or a ratio 0..1 → ratio 0..1. */
export function parseRatio(value: unknown): number | undefined {
  if (typeof value === "number") return value >= 0 && value <= 1 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  if (m === null) return undefined;
  const ratio = Number(m[1]) / 100;
  return ratio <= 1 ? ratio : undefined;
}

export function ratio() {
  return z
    .union([z.number(), z.string()])
    .transform((raw, ctx) => {
      const r = parseRatio(raw);
      if (r === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(raw)} is not a percentage (try 20% or 0.2)`,
        });
        return z.NEVER;
      }
      return r;
    })
    .meta({ description: "A percentage: 20% or a ratio between 0 and 1" });
}
