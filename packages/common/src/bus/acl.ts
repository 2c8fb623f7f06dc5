import { HA_PREFIX, isHaDiscoveryTopicOf } from "./homeassistant.js";
import { type Component, componentId, parseTopic, type TopicKind } from "./topics.js";

/** Which topic kinds each component may publish (its own link only, for probers). */
const PUBLISHES: Record<Component["kind"], TopicKind[]> = {
  prober: ["availability", "partMetrics", "linkState", "linkHealth", "linkEvent"],
  router: ["availability", "partMetrics", "routerState", "routerEvent"],
  logger: ["availability", "partMetrics", "loggerAck"],
  observer: ["availability", "partMetrics", "haLink", "haGateway"],
  supervisor: ["availability", "partMetrics", "supervisorState"],
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
