import { Counter, Histogram, type Registry } from "prom-client";
import type { ProbeOutcome } from "../core/params.js";

/** Buckets of the per-target RTT histogram (seconds): LAN-ish to satellite. */
const RTT_BUCKETS = [0.005, 0.01, 0.02, 0.04, 0.08, 0.15, 0.3, 0.6, 1.2, 2.5];

/** The prober's Prometheus counters: every probe whose fate is known, per target. */
export class ProbeMetrics {
  readonly #sent: Counter<"link" | "target">;
  readonly #lost: Counter<"link" | "target">;
  readonly #rtt: Histogram<"link" | "target">;

  constructor(
    registry: Registry,
    private readonly link: string,
  ) {
    const labelNames = ["link", "target"] as const;
    const registers = [registry];
    // Both families' probers of a link share the part's registry: the metrics are made once.
    const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
    this.#sent =
      existing<Counter<"link" | "target">>("wanpilot_probes_sent_total") ??
      new Counter({
        name: "wanpilot_probes_sent_total",
        help: "Probes sent through the link whose outcome is known",
        labelNames,
        registers,
      });
    this.#lost =
      existing<Counter<"link" | "target">>("wanpilot_probes_lost_total") ??
      new Counter({
        name: "wanpilot_probes_lost_total",
        help: "Probes through the link that got no answer in time",
        labelNames,
        registers,
      });
    this.#rtt =
      existing<Histogram<"link" | "target">>("wanpilot_probe_rtt_seconds") ??
      new Histogram({
        name: "wanpilot_probe_rtt_seconds",
        help: "Round-trip time of answered probes",
        labelNames,
        buckets: RTT_BUCKETS,
        registers,
      });
  }

  /** Targets appear at once with zero counts, so rate() works from the first lost probe. */
  declare(targets: string[]): void {
    for (const target of targets) {
      this.#sent.inc({ link: this.link, target }, 0);
      this.#lost.inc({ link: this.link, target }, 0);
    }
  }

  record(o: ProbeOutcome): void {
    const labels = { link: this.link, target: o.target };
    this.#sent.inc(labels);
    if (o.rttMs === null) this.#lost.inc(labels);
    else this.#rtt.observe(labels, o.rttMs / 1000);
  }
}
