import { haDiscoveryTopic, isHaDiscoveryTopic, isHaDiscoveryTopicOf } from "./homeassistant.js";
import { type Component, parseTopic, type TopicKind, topics } from "./topics.js";

/** Which topic kinds each component may publish (its own link only, for probers). */
const PUBLISHES: Record<Component["kind"], TopicKind[]> = {
  prober: ["availability", "linkState", "linkHealth", "linkEvent"],
  router: ["availability", "routerState", "routerEvent"],
  logger: ["availability", "loggerAck"],
  supervisor: ["availability", "supervisorState"],
};

/** Pure ACL of the embedded broker: may `who` publish on `topic` of gateway `gw`? */
export function mayPublish(who: Component, gw: string, topic: string): boolean {
  // Home Assistant discovery lives under its own prefix; only the supervisor announces the gateway.
  if (isHaDiscoveryTopic(topic)) return who.kind === "supervisor" && isHaDiscoveryTopicOf(topic, gw);
  const t = parseTopic(topic);
  if (t === undefined || t.gateway !== gw || !PUBLISHES[who.kind].includes(t.kind)) return false;
  if (t.kind === "availability") return JSON.stringify(t.component) === JSON.stringify(who);
  if (who.kind === "prober") return t.link === who.link;
  return true;
}

/**
 * The topics (MQTT filters) `who` may publish on, for brokers configured from a file (Mosquitto's
 * acl_file): the same PUBLISHES map as mayPublish; Home Assistant discovery per configured link.
 */
export function publishGrants(who: Component, gw: string, links: readonly string[]): string[] {
  const one: Record<TopicKind, () => string[]> = {
    availability: () => [topics.availability(gw, who)],
    linkState: () => (who.kind === "prober" ? [topics.linkState(gw, who.link)] : []),
    linkHealth: () => (who.kind === "prober" ? [topics.linkHealth(gw, who.link)] : []),
    linkEvent: () => (who.kind === "prober" ? [topics.linkEvent(gw, who.link)] : []),
    routerState: () => [topics.routerState(gw)],
    routerEvent: () => [topics.routerEvent(gw)],
    loggerAck: () => [topics.loggerAck(gw)],
    supervisorState: () => [topics.supervisorState(gw)],
    haDiscovery: () => [],
  };
  const ha =
    who.kind === "supervisor"
      ? links.map((l) => haDiscoveryTopic(gw, l, "sensor", "+").replace("/sensor/", "/+/"))
      : [];
  return [...PUBLISHES[who.kind].flatMap((k) => one[k]()), ...ha];
}
