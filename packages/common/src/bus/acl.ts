import { isHaDiscoveryTopic, isHaDiscoveryTopicOf } from "./homeassistant.js";
import { type Component, parseTopic, type TopicKind } from "./topics.js";

/** Which topic kinds each component may publish (its own link only, for probers). */
const PUBLISHES: Record<Component["kind"], TopicKind[]> = {
  prober: ["availability", "linkState", "linkHealth", "linkEvent"],
  router: ["availability", "routerState", "routerEvent", "operations"],
  logger: ["availability", "loggerAck"],
  supervisor: ["availability", "supervisorState", "operations"],
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

/** The operator credential publishes commands only: a link command of its own gateway. */
export function operatorMayPublish(gw: string, topic: string): boolean {
  const t = parseTopic(topic);
  return t !== undefined && t.gateway === gw && t.kind === "linkCommand";
}
