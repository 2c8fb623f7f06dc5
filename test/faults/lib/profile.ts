/**
 * The fault suite's two profiles: `npm test` runs the short one (whole suite well under 3 minutes),
 * `npm run test:faults` the full one (WANPILOT_FAULTS=full, under 10 minutes).
 * WANPILOT_FAULTS_SEED replays a run: every random choice comes from it.
 */
export const FULL = process.env.WANPILOT_FAULTS === "full";

export const SEED = Number(process.env.WANPILOT_FAULTS_SEED ?? 20261129) >>> 0;

/** The short or the full count. */
export function pick<T>(short: T, full: T): T {
  return FULL ? full : short;
}

/** One line on stderr, so a run's numbers are visible next to vitest's own output. */
export function note(file: string, line: string): void {
  process.stderr.write(`[faults/${file}] ${line}\n`);
}
