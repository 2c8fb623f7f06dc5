import type { LinkCommand, LinkOverride, WanpilotConfig } from "@wanpilot/common";

/** The operator's overrides by link name. */
export type Overrides = Record<string, LinkOverride>;

export type CommandOutcome =
  | { ok: true; overrides: Overrides; reason: string }
  | { ok: false; reason: string };

const EMPTY = { admin: null, weight: null, tier: null } as const;

function isEmpty(o: Omit<LinkOverride, "since">): boolean {
  return o.admin === null && o.weight === null && o.tier === null;
}

/** (overrides, config, command, now) → the new overrides and what changed, or why it is refused. */
export function applyCommand(
  overrides: Overrides,
  config: WanpilotConfig,
  link: string,
  command: Pick<LinkCommand, "action" | "value">,
  at: string,
): CommandOutcome {
  const cfg = config.links.find((l) => l.name === link);
  if (cfg === undefined)
    return {
      ok: false,
      reason: `no link ${JSON.stringify(link.slice(0, 64))} (links: ${config.links.map((l) => l.name).join(", ")})`,
    };
  const before: Omit<LinkOverride, "since"> = overrides[link] ?? EMPTY;
  let next: Omit<LinkOverride, "since">;
  let what: string;
  switch (command.action) {
    case "drain":
    case "disable":
      next = { ...before, admin: command.action };
      what = command.action === "drain" ? "drained: no new connections" : "disabled: connections flushed";
      break;
    case "enable":
      next = { ...before, admin: null };
      what = "enabled: back under its prober's verdict";
      break;
    case "weight":
    case "tier": {
      const value = command.value ?? 0;
      next = { ...before, [command.action]: value === cfg[command.action] ? null : value };
      what = `${command.action} ${value} (config: ${cfg[command.action]})`;
      break;
    }
    case "reset":
      next = EMPTY;
      what = "overrides reset";
      break;
  }
  const rest = Object.fromEntries(Object.entries(overrides).filter(([name]) => name !== link));
  const changed = JSON.stringify({ ...EMPTY, ...next }) !== JSON.stringify({ ...EMPTY, ...before });
  const since = changed ? at : (overrides[link]?.since ?? at);
  return {
    ok: true,
    overrides: isEmpty(next) ? rest : { ...rest, [link]: { ...next, since } },
    reason: `${link} ${what}${changed ? "" : " (no change)"}`,
  };
}

/** Overrides of links that are still in the config (a reload that removes a link drops its override). */
export function keepConfigured(overrides: Overrides, config: WanpilotConfig): Overrides {
  const names = new Set(config.links.map((l) => l.name));
  return Object.fromEntries(Object.entries(overrides).filter(([name]) => names.has(name)));
}

/** The config with the operator's weights and tiers in place of the file's. */
export function withOverrides(config: WanpilotConfig, overrides: Overrides): WanpilotConfig {
  if (Object.keys(overrides).length === 0) return config;
  return {
    ...config,
    links: config.links.map((l) => {
      const o = overrides[l.name];
      return o === undefined ? l : { ...l, weight: o.weight ?? l.weight, tier: o.tier ?? l.tier };
    }),
  };
}
