import type { Measurement, ScenarioResult } from "./results.js";

export interface ScenarioContext {
  quick: boolean;
  /** Progress for the person waiting (stderr). */
  progress(message: string): void;
}

/** What a scenario hands back; the runner adds the name and timing. */
export interface ScenarioOutput {
  measurements: Measurement[];
  notes: string[];
  raw?: unknown;
}

export interface Scenario {
  name: string;
  /** One line for `--list` and the docs. */
  title: string;
  run(ctx: ScenarioContext, sink: ScenarioOutput): Promise<void>;
}

/** Runs one scenario; a failure is recorded with whatever it measured before failing. */
export async function runScenario(s: Scenario, ctx: ScenarioContext): Promise<ScenarioResult> {
  const started = Date.now();
  const sink: ScenarioOutput = { measurements: [], notes: [] };
  let error: string | undefined;
  try {
    await s.run(ctx, sink);
  } catch (err: unknown) {
    error = err instanceof Error ? err.message : String(err);
    ctx.progress(`${s.name} failed: ${error}`);
  }
  return {
    name: s.name,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    measurements: sink.measurements,
    notes: sink.notes,
    ...(error === undefined ? {} : { error }),
    ...(sink.raw === undefined ? {} : { raw: sink.raw }),
  };
}
