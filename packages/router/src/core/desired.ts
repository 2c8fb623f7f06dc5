import {
  balanceTableId,
  type DefaultRoute,
  type HashPolicy,
  ipv4Network,
  isIpv6Rule,
  KERNEL_TABLE,
  type LinkConfig,
  probePorts,
  type TrafficRule,
  type WanpilotConfig,
} from "@wanpilot/common";
import { isLive, selectDefaultRoute } from "./balance.js";
import { computeDesired6, desiredSysctls6 } from "./desired6.js";
import {
  type DesiredState,
  type LinkInput,
  type LinkView,
  type Marks,
  marksOf,
  type NexthopObject,
  type NexthopSpec,
  PRIORITY,
  type RouteSpec,
  type RuleSpec,
  type RuleView,
  slotMark,
} from "./model.js";
import { NEXTHOP_ID, resilientNexthops } from "./nexthops.js";
import { type NftRule, type RuleAction, renderNft } from "./nft.js";
import { type Overrides, withOverrides } from "./overrides.js";

/** `sysctl` key of an interface setting; dots in interface names (VLANs) are written as slashes. */
export function ifSysctl(ifname: string, key: string): string {
  return `net.ipv4.conf.${ifname.replaceAll(".", "/")}.${key}`;
}

const HASH_POLICY: Record<HashPolicy, string> = { l3: "0", l4: "1", host: "3" };

export function desiredSysctls(config: WanpilotConfig): Record<string, string> {
  const out: Record<string, string> = {
    "net.ipv4.ip_forward": "1",
    "net.ipv4.fib_multipath_hash_policy": HASH_POLICY[config.balance.hash],
  };
  // Policy 3 hashes on chosen fields; 0x0001 = source address only, so a LAN host keeps one link.
  if (config.balance.hash === "host") out["net.ipv4.fib_multipath_hash_fields"] = "0x0001";
  // Loose: replies may arrive on another WAN than the main table's route for their source.
  for (const l of config.links) out[ifSysctl(l.interface, "rp_filter")] = "2";
  // A WAN without carrier must drop out of the multipath route at once, before the prober says so;
  // the kernel only honours this when it is set before the carrier goes (found in the lab).
  for (const l of config.links) out[ifSysctl(l.interface, "ignore_routes_with_linkdown")] = "1";
  // The reverse-path check of a reply then uses its mark (restored from its connection): a probe's reply
  // passes by the link's own table even when no `from <address>` rule and no default route covers it.
  for (const l of config.links) out[ifSysctl(l.interface, "src_valid_mark")] = "1";
  return out;
}

/** Every sysctl wanpilot sets: IPv4's, and IPv6's when some link has IPv6 on. */
export function allSysctls(config: WanpilotConfig): Record<string, string> {
  return { ...desiredSysctls(config), ...desiredSysctls6(config, HASH_POLICY[config.balance.hash]) };
}

function linkRoutes(link: LinkConfig, input: LinkInput): RouteSpec[] {
  if (input.present === false) return [];
  const routes: RouteSpec[] = [];
  const base = { table: link.table, type: "unicast" as const, metric: 0 };
  const direct: NexthopSpec = { gateway: null, dev: link.interface, weight: 1 };
  if (input.source !== null && input.prefixLength !== null && input.prefixLength < 32)
    routes.push({
      ...base,
      dst: ipv4Network(input.source, input.prefixLength),
      nexthops: [direct],
      src: input.source,
    });
  else if (input.gateway !== null)
    routes.push({ ...base, dst: input.gateway, nexthops: [direct], src: input.source });
  routes.push({ ...base, dst: "default", nexthops: [{ ...direct, gateway: input.gateway }], src: null });
  return routes;
}

/**
 * A link's rules. Identity is the mark (ICMP probes, connections) and the probe ports (socket probes);
 * `from <address>` only when no other link has that address, or it would send both links' traffic one way.
 */
function linkRules(
  link: LinkConfig,
  slot: number,
  input: LinkInput,
  marks: Marks,
  sharedSource: boolean,
): RuleSpec[] {
  const none = { fwmark: null, fwmask: null, suppressPrefixLength: null };
  const rules: RuleSpec[] = [
    {
      ...none,
      priority: PRIORITY.probePorts + slot - 1,
      src: "all",
      iif: "lo",
      sport: probePorts(slot),
      table: link.table,
    },
    {
      ...none,
      priority: PRIORITY.fwmark + slot - 1,
      src: "all",
      fwmark: slotMark(slot, marks),
      fwmask: marks.mask,
      table: link.table,
    },
  ];
  if (input.source !== null && !sharedSource)
    rules.unshift({
      ...none,
      priority: PRIORITY.fromSource + slot - 1,
      src: input.source,
      table: link.table,
    });
  return rules;
}

/** Each link's slot (1-based): its mark, rule priorities and nexthop id; by position unless given (see slots.ts). */
export type Slots = ReadonlyMap<string, number>;

export function positionalSlots(links: ReadonlyArray<Pick<LinkConfig, "name">>): Slots {
  return new Map(links.map((l, i) => [l.name, i + 1]));
}

export function balanceRoute(
  table: number,
  route: DefaultRoute,
  config: WanpilotConfig,
  inputs: Map<string, LinkInput>,
  nexthopObjects: NexthopObject[],
  metric = 0,
): RouteSpec[] {
  const base = { table, dst: "default", metric, src: null };
  if (route.mode === "unreachable") return [{ ...base, type: "unreachable", nexthops: [] }];
  const nexthops = route.nexthops.flatMap((n): NexthopSpec[] => {
    const link = config.links.find((l) => l.name === n.link);
    if (link === undefined) return [];
    return [{ gateway: inputs.get(n.link)?.gateway ?? null, dev: link.interface, weight: n.weight }];
  });
  if (nexthops.length === 0) return [];
  const group = nexthopObjects.length > 0 ? { nhid: NEXTHOP_ID.group } : {};
  return [{ ...base, type: "unicast", nexthops, ...group }];
}

function inputOf(link: LinkConfig, inputs: Map<string, LinkInput>): LinkInput {
  return (
    inputs.get(link.name) ?? {
      name: link.name,
      state: "unknown",
      source: link.source ?? null,
      gateway: link.gateway ?? null,
      prefixLength: null,
    }
  );
}

/**
 * Each rule's link now: the first live link of its via list (for an IPv6 rule, live for IPv6). A rule
 * without addresses matches both families; while some link has IPv6 on it gets one nft line per family,
 * each following that family's liveness.
 */
function ruleActions(config: WanpilotConfig, links: LinkView[], links6: LinkView[] | undefined) {
  const liveOf = (views: LinkView[]) =>
    new Map(views.filter((l) => l.live && !l.demoted).map((l) => [l.name, l]));
  const live4 = liveOf(links);
  const live6 = liveOf(links6 ?? []);
  const pick = (rule: TrafficRule, live: Map<string, LinkView>) => {
    const active = rule.via.find((v) => live.has(v)) ?? null;
    const view = active === null ? undefined : live.get(active);
    const action: RuleAction =
      view !== undefined
        ? { kind: "mark", link: view.name, mark: view.mark }
        : { kind: rule.fallback === "refuse" ? "refuse" : "balance" };
    return { active, action };
  };
  return config.rules.map((rule) => {
    const main = pick(rule, isIpv6Rule(rule) ? live6 : live4);
    const split = links6 !== undefined && rule.src === undefined && rule.dst === undefined;
    const six = split ? pick(rule, live6) : undefined;
    const view: RuleView = {
      name: rule.name,
      via: rule.via,
      active: main.active,
      fallback: rule.fallback,
      ...(six === undefined ? {} : { active6: six.active }),
    };
    const nft: NftRule[] =
      six === undefined
        ? [{ rule, action: main.action }]
        : [
            { rule, action: main.action, family: "ipv4" },
            { rule, action: six.action, family: "ipv6" },
          ];
    return { view, nft };
  });
}

export function ipRules(
  config: Pick<WanpilotConfig, "links">,
  get: (l: LinkConfig) => LinkInput,
  balanceTable: number,
  slotOf: (l: LinkConfig) => number,
  marks: Marks,
): RuleSpec[] {
  const none = { fwmark: null, fwmask: null, suppressPrefixLength: null };
  const sources = config.links.map((l) => get(l).source);
  const shared = (s: string | null) => s !== null && sources.filter((x) => x === s).length > 1;
  return [
    {
      ...none,
      priority: PRIORITY.suppressMain,
      src: "all",
      table: KERNEL_TABLE.main,
      suppressPrefixLength: 0,
    },
    ...config.links.flatMap((l) => linkRules(l, slotOf(l), get(l), marks, shared(get(l).source))),
    { ...none, priority: PRIORITY.balance, src: "all", table: balanceTable },
  ].sort((a, b) => a.priority - b.priority);
}

/**
 * (config, link states, last default route, operator overrides) → everything wanpilot wants in the kernel.
 * `last` is the default route in force before, kept when every link is down and `all_down: keep`.
 * A drained or disabled link takes no new connections; its own rules and routes stay for the ones it has.
 */
export function computeDesired(
  fileConfig: WanpilotConfig,
  linkInputs: LinkInput[],
  last: DefaultRoute | null,
  overrides: Overrides = {},
  slots: Slots = positionalSlots(fileConfig.links),
  ipv6: { inputs: LinkInput[]; last: DefaultRoute | null } = { inputs: [], last: null },
): DesiredState {
  const config = withOverrides(fileConfig, overrides);
  const admin = (l: LinkConfig) => overrides[l.name]?.admin ?? null;
  const marks = marksOf(config.balance.mark_mask);
  const slotOf = (l: LinkConfig) => slots.get(l.name) ?? config.links.indexOf(l) + 1;
  const given = new Map(linkInputs.map((i) => [i.name, i]));
  const inputs = new Map(config.links.map((l) => [l.name, inputOf(l, given)]));
  const get = (l: LinkConfig) => inputs.get(l.name) as LinkInput;
  const table = balanceTableId(config.links.map((l) => l.table));
  const live = (l: LinkConfig) => admin(l) === null && isLive(get(l).state, config.balance.degraded);
  // A stale link's last word is not trusted while a fresh link can carry the traffic; with none, fail open.
  const freshLive = config.links.some((l) => live(l) && get(l).stale !== true);
  const demoted = (l: LinkConfig) => freshLive && get(l).stale === true;
  const states = config.links.map((link) => ({
    link,
    state: admin(link) !== null || demoted(link) ? ("down" as const) : get(link).state,
  }));
  // A link whose interface is not there keeps no next hop (all down, `keep`: the last set may name it).
  const selected = selectDefaultRoute(config.balance, states, last);
  const defaultRoute = {
    ...selected,
    nexthops: selected.nexthops.filter((n) => inputs.get(n.link)?.present !== false),
  };
  const inRoute = new Map(defaultRoute.nexthops.map((n) => [n.link, n.weight]));
  const links: LinkView[] = config.links.map((l) => ({
    name: l.name,
    state: get(l).state,
    table: l.table,
    mark: slotMark(slotOf(l), marks),
    active: inRoute.has(l.name),
    weight: inRoute.get(l.name) ?? 0,
    live: live(l),
    stale: get(l).stale === true,
    demoted: demoted(l),
    override: overrides[l.name] ?? null,
  }));
  const v6 = computeDesired6({
    config,
    inputs: new Map(ipv6.inputs.map((i) => [i.name, i])),
    last: ipv6.last,
    views: links,
    balanceTable: table,
    slotOf,
    marks,
  });
  const actions = ruleActions(config, links, v6?.links);
  // hash: host → a resilient group, so a LAN host moves only when its own link leaves.
  const useGroup = config.balance.hash === "host" && defaultRoute.mode !== "unreachable";
  const nexthops = useGroup ? resilientNexthops(defaultRoute, config.links, inputs, slotOf) : [];
  const nftLinks = links.map((v, i) => ({
    ...v,
    interface: config.links[i]?.interface ?? "",
    masquerade: config.links[i]?.masquerade ?? true,
    masquerade6: config.links[i]?.ipv6 !== undefined && (config.links[i]?.masquerade ?? true),
    ...(config.links[i]?.ipv6?.npt === undefined ? {} : { npt6: config.links[i]?.ipv6?.npt }),
  }));
  return {
    marks,
    sysctls: allSysctls(config),
    rules: ipRules(config, get, table, slotOf, marks),
    routes: [
      ...config.links.flatMap((l) => linkRoutes(l, get(l))),
      ...balanceRoute(table, defaultRoute, config, inputs, nexthops),
    ],
    ownedTables: [...config.links.map((l) => l.table), table],
    balanceTable: table,
    nexthops,
    nft: renderNft({
      links: nftLinks,
      rules: actions.flatMap((r) => r.nft),
      sticky: config.balance.sticky,
      marks,
    }),
    defaultRoute,
    links,
    trafficRules: actions.map((r) => r.view),
    ...(v6 === undefined ? {} : { v6 }),
  };
}
