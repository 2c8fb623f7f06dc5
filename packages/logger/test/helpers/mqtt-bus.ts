import {
  CONTRACT,
  type Component,
  componentId,
  decodePayload,
  encodePayload,
  type PayloadOf,
  type TopicKind,
} from "@wanpilot/common";
import mqtt from "mqtt";
import type { Bus } from "../../src/adapters/bus.js";

/**
 * A minimal stand-in for `@wanpilot/runtime`'s connectBus, for tests only: clean sessions, contract
 * encoding and QoS, schema-checked inbound payloads, reconnects every 100 ms.
 */
export async function connectTestBus(url: string, component: Component): Promise<Bus> {
  const client = mqtt.connect(url, {
    clientId: `${componentId(component).replace("/", "-")}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    clean: true,
    reconnectPeriod: 100,
    connectTimeout: 2000,
  });
  const connectHandlers: Array<() => void | Promise<void>> = [];
  const routes: Array<{ kind: TopicKind; pattern: string; handler: (p: never, topic: string) => void }> = [];
  let rejected = 0;
  client.on("connect", () => {
    for (const h of connectHandlers) void h();
  });
  client.on("message", (topic, raw) => {
    for (const r of routes) {
      if (!matches(r.pattern, topic)) continue;
      const decoded = decodePayload(r.kind, raw);
      if (decoded.ok) r.handler(decoded.value as never, topic);
      else rejected += 1;
    }
  });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  return {
    get rejected() {
      return rejected;
    },
    async publish<K extends TopicKind>(kind: K, topic: string, payload: PayloadOf<K>) {
      const spec = CONTRACT[kind];
      await client.publishAsync(topic, encodePayload(kind, payload), {
        qos: spec.qos,
        retain: spec.retained,
      });
    },
    async subscribe<K extends TopicKind>(
      kind: K,
      pattern: string,
      handler: (p: PayloadOf<K>, t: string) => void,
    ) {
      routes.push({ kind, pattern, handler: handler as (p: never, topic: string) => void });
      await client.subscribeAsync(pattern, { qos: CONTRACT[kind].qos });
    },
    onConnect(handler) {
      connectHandlers.push(handler);
    },
    async close() {
      await client.endAsync(true);
    },
  };
}

function matches(pattern: string, topic: string): boolean {
  const p = pattern.split("/");
  const t = topic.split("/");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === "#") return true;
    if (p[i] !== "+" && p[i] !== t[i]) return false;
  }
  return p.length === t.length;
}
