/**
 * The classic multi-WAN recipe, as its users write it (pure part): one ping to one target per link
 * every interval, down after `downAfter` failures, up after `upAfter` successes, a weighted multipath
 * default route rewritten on every change, and per-link tables + `ip rule from <addr>` so the probes
 * leave through their own link.
 */

export interface RecipeLink {
  name: string;
  dev: string;
  source: string;
  gateway: string;
  table: number;
  weight: number;
}

export interface RecipeConfig {
  links: RecipeLink[];
  target: string;
  intervalMs: number;
  downAfter: number;
  upAfter: number;
  /** The script exits after this long (every loop bounded). */
  durationMs: number;
}

export interface LinkCounter {
  up: boolean;
  /** Consecutive results against the current state (failures while up, successes while down). */
  streak: number;
}

/** One ping result → the link's next counter; `changed` when it flips. */
export function step(
  c: LinkCounter,
  ok: boolean,
  cfg: Pick<RecipeConfig, "downAfter" | "upAfter">,
): { next: LinkCounter; changed: boolean } {
  const against = c.up ? !ok : ok;
  if (!against) return { next: { up: c.up, streak: 0 }, changed: false };
  const streak = c.streak + 1;
  if (streak >= (c.up ? cfg.downAfter : cfg.upAfter))
    return { next: { up: !c.up, streak: 0 }, changed: true };
  return { next: { up: c.up, streak }, changed: false };
}

/** Per-link tables and source rules (the probes' way out), once at start. */
export function setupCommands(links: readonly RecipeLink[]): string[][] {
  return links.flatMap((l, i) => [
    ["ip", "route", "replace", "default", "via", l.gateway, "dev", l.dev, "table", String(l.table)],
    ["ip", "rule", "add", "from", l.source, "lookup", String(l.table), "priority", String(1000 + i)],
  ]);
}

/** The multipath default route over the live links; with none live the recipe keeps every link (fail open). */
export function defaultRouteCommand(links: readonly RecipeLink[], upNames: ReadonlySet<string>): string[] {
  const live = links.filter((l) => upNames.has(l.name));
  const chosen = live.length > 0 ? live : links;
  return [
    "ip",
    "route",
    "replace",
    "default",
    ...chosen.flatMap((l) => ["nexthop", "via", l.gateway, "dev", l.dev, "weight", String(l.weight)]),
  ];
}

export function pingCommand(link: RecipeLink, target: string): string[] {
  return ["ping", "-n", "-q", "-c", "1", "-W", "1", "-I", link.source, target];
}

/** What the recipe's script prints, one JSON line each (t = epoch ms). */
export type RecipeEvent =
  | { t: number; event: "started" }
  | { t: number; event: "state"; link: string; state: "up" | "down" }
  | { t: number; event: "route"; up: string[] }
  | { t: number; event: "error"; message: string };
