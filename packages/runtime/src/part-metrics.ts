import {
  type Component,
  type MetricFamily,
  type PartMetrics,
  topics,
  type WanpilotConfig,
} from "@wanpilot/common";
import type { Logger } from "pino";
import { collectDefaultMetrics, type MetricObjectWithValues, type MetricValue, Registry } from "prom-client";
import type { Bus } from "./bus.js";

/** How often a part publishes its metrics to the observer. */
export const PART_METRICS_EVERY_MS = 10_000;

/**
 * How often a part's event-loop delay is sampled for `nodejs_eventloop_lag_*`: a timer that wakes every part.
 * At 100 ms the five processes of `start` other than the probers spent ~0.15 % of one core more than at
 * 500 ms (docs/bench.md, cost); a stall that matters (hundreds of ms) still shows in the lag's max.
 */
export const EVENT_LOOP_SAMPLE_MS = 500;

/** A part's own registry, with the Node process metrics (CPU, memory, event loop, GC) in it. */
export function createPartRegistry(): Registry {
  const registry = new Registry();
  // The event-loop delay histogram samples on a libuv timer: prom-client's 10 ms default wakes every
  // part 100 times a second (~0.2 % of one core each, measured); see EVENT_LOOP_SAMPLE_MS.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  // Gauges named like counters (promtool objects); each is the sum of its per-type sibling without `_total`.
  for (const name of [
    "nodejs_active_handles_total",
    "nodejs_active_requests_total",
    "nodejs_active_resources_total",
  ])
    registry.removeSingleMetric(name);
  return registry;
}

const FAMILY_TYPES = new Set(["counter", "gauge", "histogram", "summary"]);

/** prom-client's JSON → the bus's PartMetrics families (label values as strings, `+Inf` as Prometheus writes it). */
export function toFamilies(metrics: MetricObjectWithValues<MetricValue<string>>[]): MetricFamily[] {
  return metrics.map((m) => ({
    name: m.name,
    help: m.help.slice(0, 500),
    type: (FAMILY_TYPES.has(String(m.type)) ? String(m.type) : "untyped") as MetricFamily["type"],
    // No event-loop sample yet (a part's first publish, at connect): prom-client says NaN, which JSON cannot carry.
    samples: m.values
      .filter((v) => !Number.isNaN(v.value))
      .map((v) => ({
        name: (v as { metricName?: string }).metricName ?? m.name,
        labels: Object.fromEntries(
          Object.entries(v.labels).map(([k, l]) => [k, l === Number.POSITIVE_INFINITY ? "+Inf" : String(l)]),
        ),
        value: v.value,
      })),
  }));
}

/** Publishes the registry on `metrics/<component>` now, on every connect and every `everyMs`; returns a stop. */
export function publishPartMetrics(opts: {
  bus: Pick<Bus, "publish" | "onConnect" | "connected">;
  config: WanpilotConfig;
  component: Component;
  registry: Registry;
  log: Logger;
  everyMs?: number;
}): () => void {
  const everyMs = opts.everyMs ?? PART_METRICS_EVERY_MS;
  const topic = topics.partMetrics(opts.config.gateway, opts.component);
  let stopped = false;
  const send = async (): Promise<void> => {
    if (stopped || !opts.bus.connected) return;
    const payload: PartMetrics = {
      at: new Date().toISOString(),
      everyMs,
      families: toFamilies(await opts.registry.getMetricsAsJSON()),
    };
    await opts.bus.publish("partMetrics", topic, payload);
  };
  const sendLogged = () =>
    send().catch((err: unknown) => opts.log.warn({ err }, "publishing metrics failed"));
  opts.bus.onConnect(() => void sendLogged());
  const timer = setInterval(() => void sendLogged(), everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
