/**
 * Every MQTT topic wanpilot uses, built here and nowhere else. All start with `wanpilot/<gateway>/`.
 * Gateway ids and link names are [a-z0-9_-] (config schema), so they never contain / + #.
 */
export const TOPIC_ROOT = "wanpilot";

/** The parts of wanpilot that talk on the bus; a role is also an MQTT username of the embedded broker. */
export type Component =
  | { kind: "prober"; link: string }
  | { kind: "router" }
  | { kind: "logger" }
  | { kind: "observer" }
  | { kind: "web" }
  | { kind: "supervisor" };

export function componentId(c: Component): string {
  return c.kind === "prober" ? `prober/${c.link}` : c.kind;
}

/** The parts the supervisor runs: one prober per link, the router, the logger, the observer and the web page, in that order. */
export function partComponents(links: readonly string[]): Exclude<Component, { kind: "supervisor" }>[] {
  return [
    ...links.map((link) => ({ kind: "prober" as const, link })),
    { kind: "router" },
    { kind: "logger" },
    { kind: "observer" },
    { kind: "web" },
  ];
}

export function parseComponentId(id: string): Component | undefined {
  if (id === "router" || id === "logger" || id === "observer" || id === "web" || id === "supervisor")
    return { kind: id };
  const m = /^prober\/([a-z0-9][a-z0-9_-]{0,31})$/.exec(id);
  return m?.[1] === undefined ? undefined : { kind: "prober", link: m[1] };
}

const base = (gw: string) => `${TOPIC_ROOT}/${gw}`;

declare const topicKind: unique symbol;
declare const filterKind: unique symbol;
/**
 * A topic to publish on, bound to its kind: `publish("linkHealth", topics.linkState(…), …)` does not
 * type-check. At run time it is the topic path itself, so raw MQTT clients use it as it is.
 */
export type Topic<K extends TopicKind> = string & { readonly [topicKind]: K };
/** A subscription filter (may hold + or #) for messages of one kind; never published to. */
export type TopicFilter<K extends TopicKind> = string & { readonly [filterKind]: K };

/** The only places a path becomes a typed topic or filter: the builders below and HA discovery. */
export const topicOf = <K extends TopicKind>(_kind: K, path: string): Topic<K> => path as Topic<K>;
const filterOf = <K extends TopicKind>(_kind: K, path: string): TopicFilter<K> => path as TopicFilter<K>;

export const topics = {
  /** "online" | "offline", retained; the offline is the connection's last will. */
  availability: (gw: string, c: Component) =>
    topicOf("availability", `${base(gw)}/availability/${componentId(c)}`),
  allAvailability: (gw: string) => filterOf("availability", `${base(gw)}/availability/#`),
  /** LinkState, retained. */
  linkState: (gw: string, link: string) => topicOf("linkState", `${base(gw)}/link/${link}/state`),
  allLinkStates: (gw: string) => filterOf("linkState", `${base(gw)}/link/+/state`),
  /** LinkState6, retained: the link's IPv6 verdict (links with `ipv6` on). */
  linkState6: (gw: string, link: string) => topicOf("linkState6", `${base(gw)}/link/${link}/ipv6/state`),
  allLinkStates6: (gw: string) => filterOf("linkState6", `${base(gw)}/link/+/ipv6/state`),
  /** LinkTransition of the link's IPv6, QoS 1, not retained (acked by the logger like linkEvent). */
  linkEvent6: (gw: string, link: string) => topicOf("linkEvent6", `${base(gw)}/link/${link}/ipv6/event`),
  allLinkEvents6: (gw: string) => filterOf("linkEvent6", `${base(gw)}/link/+/ipv6/event`),
  /** LinkHealth of the link's IPv6 judge, periodic, not retained (its window; the heartbeat stays linkHealth). */
  linkHealth6: (gw: string, link: string) => topicOf("linkHealth6", `${base(gw)}/link/${link}/ipv6/health`),
  allLinkHealth6: (gw: string) => filterOf("linkHealth6", `${base(gw)}/link/+/ipv6/health`),
  /** LinkHealth, periodic, not retained. */
  linkHealth: (gw: string, link: string) => topicOf("linkHealth", `${base(gw)}/link/${link}/health`),
  allLinkHealth: (gw: string) => filterOf("linkHealth", `${base(gw)}/link/+/health`),
  /** LinkTransition, QoS 1, not retained. */
  linkEvent: (gw: string, link: string) => topicOf("linkEvent", `${base(gw)}/link/${link}/event`),
  allLinkEvents: (gw: string) => filterOf("linkEvent", `${base(gw)}/link/+/event`),
  /** RouterState, retained. */
  routerState: (gw: string) => topicOf("routerState", `${base(gw)}/router/state`),
  /** RouteChange, QoS 1, not retained. */
  routerEvent: (gw: string) => topicOf("routerEvent", `${base(gw)}/router/event`),
  /** EventAck, QoS 1: ids of events the logger has stored; publishers drop them from their outbox. */
  loggerAck: (gw: string) => topicOf("loggerAck", `${base(gw)}/logger/ack`),
  /** LinkCommand text from an operator; the router answers on `operations`. */
  linkCommand: (gw: string, link: string) => topicOf("linkCommand", `${base(gw)}/link/${link}/set`),
  allLinkCommands: (gw: string) => filterOf("linkCommand", `${base(gw)}/link/+/set`),
  /** Operation, QoS 1: every command's result and every reload (the audit trail). */
  operations: (gw: string) => topicOf("operations", `${base(gw)}/operations`),
  /** SupervisorState, retained. */
  supervisorState: (gw: string) => topicOf("supervisorState", `${base(gw)}/supervisor/state`),
  /** HaLinkView, retained, only on change: one link as Home Assistant shows it (the observer's). */
  haLink: (gw: string, link: string) => topicOf("haLink", `${base(gw)}/ha/link/${link}`),
  /** HaGatewayView, retained, only on change: the gateway as Home Assistant shows it (the observer's). */
  haGateway: (gw: string) => topicOf("haGateway", `${base(gw)}/ha/gateway`),
  /** PartMetrics, periodic, not retained: one part's Prometheus samples for the observer. */
  partMetrics: (gw: string, c: Component) => topicOf("partMetrics", `${base(gw)}/metrics/${componentId(c)}`),
  allPartMetrics: (gw: string) => filterOf("partMetrics", `${base(gw)}/metrics/#`),
  /** Everything of one gateway, for subscribers (of every kind: raw clients only). */
  all: (gw: string) => `${base(gw)}/#`,
} as const;

export type TopicKind =
  | "availability"
  | "linkState"
  | "linkState6"
  | "linkEvent6"
  | "linkHealth6"
  | "linkHealth"
  | "linkEvent"
  | "routerState"
  | "routerEvent"
  | "loggerAck"
  | "supervisorState"
  | "linkCommand"
  | "operations"
  | "haLink"
  | "haGateway"
  | "partMetrics"
  | "haDiscovery";

export interface ParsedTopic {
  gateway: string;
  kind: TopicKind;
  link?: string;
  component?: Component;
}

/** What a subscription handler gets besides the payload: the topic it came on, parsed. */
export interface ReceivedTopic extends ParsedTopic {
  path: string;
}

/** Inverse of the builders; undefined for topics that are not wanpilot's. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split("/");
  if (parts[0] !== TOPIC_ROOT || parts.length < 3) return undefined;
  const gateway = parts[1] ?? "";
  const rest = parts.slice(2);
  const [a, b, c] = rest;
  if (a === "availability" || a === "metrics") {
    const component = parseComponentId(rest.slice(1).join("/"));
    const kind = a === "availability" ? "availability" : "partMetrics";
    return component ? { gateway, kind, component } : undefined;
  }
  if (a === "ha" && b === "link" && c !== undefined && rest.length === 3)
    return { gateway, kind: "haLink", link: c };
  if (a === "ha" && b === "gateway" && rest.length === 2) return { gateway, kind: "haGateway" };
  if (a === "link" && b !== undefined && c === "ipv6" && rest.length === 4)
    return rest[3] === "state"
      ? { gateway, kind: "linkState6", link: b }
      : rest[3] === "event"
        ? { gateway, kind: "linkEvent6", link: b }
        : rest[3] === "health"
          ? { gateway, kind: "linkHealth6", link: b }
          : undefined;
  if (a === "link" && b !== undefined && rest.length === 3) {
    const kind =
      c === "state"
        ? "linkState"
        : c === "health"
          ? "linkHealth"
          : c === "event"
            ? "linkEvent"
            : c === "set"
              ? "linkCommand"
              : undefined;
    return kind ? { gateway, kind, link: b } : undefined;
  }
  if (a === "operations" && rest.length === 1) return { gateway, kind: "operations" };
  if (rest.length !== 2) return undefined;
  if (a === "router")
    return b === "state"
      ? { gateway, kind: "routerState" }
      : b === "event"
        ? { gateway, kind: "routerEvent" }
        : undefined;
  if (a === "logger" && b === "ack") return { gateway, kind: "loggerAck" };
  if (a === "supervisor" && b === "state") return { gateway, kind: "supervisorState" };
  return undefined;
}

/** Publishing to a wildcard is always a bug. */
export function isPublishableTopic(topic: string): boolean {
  return (
    topic.length > 0 &&
    !topic.includes("+") &&
    !topic.includes("#") &&
    !topic.includes(String.fromCharCode(0))
  );
}
