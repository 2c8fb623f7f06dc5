import { HA_PREFIX, haNodeId, isHaDiscoveryTopicOf } from "./homeassistant.js";
import { type Component, componentId, parseTopic, type TopicKind, topics } from "./topics.js";

/** Which topic kinds each component may publish (its own link only, for probers). */
const PUBLISHES: Record<Component["kind"], TopicKind[]> = {
  prober: [
    "availability",
    "partMetrics",
    "linkState",
    "linkState6",
    "linkHealth",
    "linkHealth6",
    "linkEvent",
    "linkEvent6",
  ],
  router: ["availability", "partMetrics", "routerState", "routerEvent", "operations"],
  logger: ["availability", "partMetrics", "loggerAck"],
  observer: ["availability", "partMetrics", "haLink", "haGateway"],
  // The page sends its operator's commands with the operator credential, never as itself.
  web: ["availability", "partMetrics"],
  supervisor: ["availability", "partMetrics", "supervisorState", "operations"],
};

/** Pure ACL of the embedded broker: may `who` publish on `topic` of gateway `gw`? */
export function mayPublish(who: Component, gw: string, topic: string, haPrefix: string = HA_PREFIX): boolean {
  // Home Assistant discovery lives under its own prefix; only the observer announces the gateway.
  if (topic.startsWith(`${haPrefix}/`))
    return who.kind === "observer" && isHaDiscoveryTopicOf(topic, haPrefix, gw);
  const t = parseTopic(topic);
  if (t === undefined || t.gateway !== gw || !PUBLISHES[who.kind].includes(t.kind)) return false;
  // A part speaks only for itself: its own availability and metrics.
  if (t.kind === "availability" || t.kind === "partMetrics")
    return t.component !== undefined && componentId(t.component) === componentId(who);
  if (who.kind === "prober") return t.link === who.link;
  return true;
}

/** The operator credential publishes commands only: a link command of its own gateway. */
export function operatorMayPublish(gw: string, topic: string): boolean {
  const t = parseTopic(topic);
  return t !== undefined && t.gateway === gw && t.kind === "linkCommand";
}

/**
 * The operator's topics (MQTT filters) for brokers configured from a file: link commands of gateway `gw`,
 * and Home Assistant's birth and will, for a Home Assistant given the operator credential (its controls).
 */
export function operatorGrants(gw: string, haPrefix: string = HA_PREFIX): string[] {
  return [topics.allLinkCommands(gw), `${haPrefix}/status`];
}

/**
 * The topics (MQTT filters) `who` may publish on, for brokers configured from a file (Mosquitto's
 * acl_file): the same PUBLISHES map as mayPublish; Home Assistant discovery per configured link.
 */
export function publishGrants(who: Component, gw: string, haPrefix: string = HA_PREFIX): string[] {
  const link = who.kind === "prober" ? who.link : undefined;
  const one: Partial<Record<TopicKind, () => string[]>> = {
    availability: () => [topics.availability(gw, who)],
    partMetrics: () => [topics.partMetrics(gw, who)],
    linkState: () => (link === undefined ? [] : [topics.linkState(gw, link)]),
    linkState6: () => (link === undefined ? [] : [topics.linkState6(gw, link)]),
    linkEvent6: () => (link === undefined ? [] : [topics.linkEvent6(gw, link)]),
    linkHealth: () => (link === undefined ? [] : [topics.linkHealth(gw, link)]),
    linkHealth6: () => (link === undefined ? [] : [topics.linkHealth6(gw, link)]),
    linkEvent: () => (link === undefined ? [] : [topics.linkEvent(gw, link)]),
    routerState: () => [topics.routerState(gw)],
    routerEvent: () => [topics.routerEvent(gw)],
    loggerAck: () => [topics.loggerAck(gw)],
    operations: () => [topics.operations(gw)],
    supervisorState: () => [topics.supervisorState(gw)],
    haLink: () => [topics.haLink(gw, "+")],
    haGateway: () => [topics.haGateway(gw)],
  };
  const discovery = who.kind === "observer" ? [haDiscoveryFilter(gw, haPrefix)] : [];
  return [...PUBLISHES[who.kind].flatMap((k) => one[k]?.() ?? []), ...discovery];
}

/** Every Home Assistant discovery topic of gateway `gw`, as an MQTT filter. */
export function haDiscoveryFilter(gw: string, haPrefix: string = HA_PREFIX): string {
  return `${haPrefix}/+/${haNodeId(gw)}/+/config`;
}
