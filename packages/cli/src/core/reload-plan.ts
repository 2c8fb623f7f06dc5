import type { WanpilotConfig } from "@wanpilot/common";

/** What a reload changes in the running parts; refused when a key only a restart can apply changed. */
export type ReloadPlan =
  | { ok: false; reason: string }
  | { ok: true; add: string[]; remove: string[]; restart: string[]; summary: string };

/** Keys whose change a running wanpilot cannot take over: the bus, where it keeps its files, its identity. */
const RESTART_KEYS = ["gateway", "bus", "runtime_dir", "metrics"] as const;

/** What a part uses of the config: when it is unchanged, a reload leaves the part alone. */
export function partView(
  kind: "prober" | "router" | "logger" | "observer" | "web",
  link: string | undefined,
  c: WanpilotConfig,
): string {
  const common = { gateway: c.gateway, log_level: c.log_level, runtime_dir: c.runtime_dir, bus: c.bus };
  if (kind === "logger") return JSON.stringify({ ...common, logger: c.logger });
  if (kind === "router" || kind === "observer" || kind === "web") return JSON.stringify(c);
  const l = c.links.find((x) => x.name === link);
  if (l === undefined) return "";
  // Weight, tier and masquerade are the router's business: the prober goes on probing.
  const { weight: _w, tier: _t, masquerade: _m, ...probed } = l;
  return JSON.stringify({ ...common, link: probed });
}

export function planReload(old: WanpilotConfig, next: WanpilotConfig): ReloadPlan {
  for (const key of RESTART_KEYS)
    if (JSON.stringify(old[key]) !== JSON.stringify(next[key]))
      return { ok: false, reason: `${key} changed: restart wanpilot to apply it (nothing was changed)` };
  if (old.logger.database !== next.logger.database)
    return {
      ok: false,
      reason: "logger.database changed: restart wanpilot to apply it (nothing was changed)",
    };
  const before = new Set(old.links.map((l) => l.name));
  const after = new Set(next.links.map((l) => l.name));
  const add = [...after].filter((n) => !before.has(n));
  const remove = [...before].filter((n) => !after.has(n));
  const restart = [...after].filter(
    (n) => before.has(n) && partView("prober", n, old) !== partView("prober", n, next),
  );
  const parts = [
    add.length > 0 ? `links added: ${add.join(", ")}` : "",
    remove.length > 0 ? `links removed: ${remove.join(", ")}` : "",
    restart.length > 0 ? `probers restarted: ${restart.join(", ")}` : "",
    partView("logger", undefined, old) !== partView("logger", undefined, next) ? "logger restarted" : "",
    JSON.stringify(old) === JSON.stringify(next) ? "no change" : "router reconciled",
  ].filter((p) => p !== "");
  return { ok: true, add, remove, restart, summary: parts.join("; ") };
}
