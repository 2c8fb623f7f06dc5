import { Gauge, Registry } from "prom-client";
import type { StatusView } from "../status/view.js";

const STATES = ["unknown", "up", "degraded", "down"] as const;

/** Prometheus gauges derived from the same view `wanpilot status` shows (one source of truth). */
export class WanpilotMetrics {
  readonly registry = new Registry();
  private readonly state = this.gauge("wanpilot_link_state", "1 for the link's current state", [
    "link",
    "state",
  ]);
  private readonly up = this.gauge("wanpilot_link_up", "1 when the link is up or degraded", ["link"]);
  private readonly rtt = this.gauge(
    "wanpilot_link_rtt_ms",
    "Window mean round-trip time of the link's probes",
    ["link"],
  );
  private readonly loss = this.gauge(
    "wanpilot_link_loss_ratio",
    "Window loss ratio of the link's probes (0..1)",
    ["link"],
  );
  private readonly weight = this.gauge("wanpilot_link_weight", "Weight of the link in the default route", [
    "link",
  ]);
  private readonly active = this.gauge("wanpilot_link_active", "1 when the link carries new connections", [
    "link",
  ]);
  private readonly conns = this.gauge("wanpilot_link_connections", "Tracked connections on the link", [
    "link",
  ]);
  private readonly since = this.gauge(
    "wanpilot_link_state_since_seconds",
    "Unix time of the last state change",
    ["link"],
  );
  private readonly override = this.gauge(
    "wanpilot_link_override",
    "1 for each operator override in force (kind: drain, disable, weight, tier)",
    ["link", "kind"],
  );
  private readonly proc = this.gauge("wanpilot_process_online", "1 when the part reports online", [
    "process",
  ]);
  private readonly restarts = this.gauge(
    "wanpilot_process_restarts",
    "Restarts of the part by the supervisor",
    ["process"],
  );

  private gauge(name: string, help: string, labelNames: string[]): Gauge<string> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  update(view: StatusView): void {
    for (const l of view.links) {
      for (const s of STATES) this.state.set({ link: l.name, state: s }, l.state === s ? 1 : 0);
      this.up.set({ link: l.name }, l.state === "up" || l.state === "degraded" ? 1 : 0);
      this.setOrRemove(this.rtt, { link: l.name }, l.rttMs);
      this.setOrRemove(this.loss, { link: l.name }, l.lossRatio);
      this.weight.set({ link: l.name }, l.weight);
      this.active.set({ link: l.name }, l.active ? 1 : 0);
      this.setOrRemove(this.conns, { link: l.name }, l.connections);
      this.setOrRemove(this.since, { link: l.name }, l.since === null ? null : Date.parse(l.since) / 1000);
      const o = l.override;
      this.override.set({ link: l.name, kind: "drain" }, o?.admin === "drain" ? 1 : 0);
      this.override.set({ link: l.name, kind: "disable" }, o?.admin === "disable" ? 1 : 0);
      this.override.set({ link: l.name, kind: "weight" }, o?.weight == null ? 0 : 1);
      this.override.set({ link: l.name, kind: "tier" }, o?.tier == null ? 0 : 1);
    }
    for (const [name, p] of Object.entries(view.processes)) {
      this.proc.set({ process: name }, p.availability === "online" ? 1 : 0);
      this.setOrRemove(this.restarts, { process: name }, p.restarts);
    }
  }

  private setOrRemove(g: Gauge<string>, labels: Record<string, string>, value: number | null): void {
    if (value === null) g.remove(labels);
    else g.set(labels, value);
  }
}
