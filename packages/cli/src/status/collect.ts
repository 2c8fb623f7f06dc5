import { componentId, decodePayload, parseTopic, topics, WanpilotError } from "@wanpilot/common";
import { RetainedGuard } from "@wanpilot/runtime";
import mqtt, { type MqttClient } from "mqtt";
import type { RetainedSnapshot } from "./view.js";

export function emptySnapshot(): RetainedSnapshot {
  const none = { router: undefined, supervisor: undefined };
  const maps = { links: new Map(), links6: new Map(), health: new Map(), health6: new Map() };
  return { ...maps, availability: new Map(), ...none };
}

/** Folds one bus message into the snapshot; false when it was not a message status shows (retained state, health). */
export function applyMessage(snap: RetainedSnapshot, topic: string, raw: Buffer): boolean {
  const t = parseTopic(topic);
  if (t === undefined) return false;
  switch (t.kind) {
    case "linkState": {
      const d = decodePayload("linkState", raw);
      if (d.ok && t.link !== undefined) snap.links.set(t.link, d.value);
      return d.ok;
    }
    case "linkState6": {
      const d = decodePayload("linkState6", raw);
      if (d.ok && t.link !== undefined) snap.links6 = new Map(snap.links6).set(t.link, d.value);
      return d.ok;
    }
    case "linkHealth": {
      const d = decodePayload("linkHealth", raw);
      if (d.ok && t.link !== undefined && d.value.link === t.link) snap.health.set(t.link, d.value);
      return d.ok;
    }
    case "linkHealth6": {
      const d = decodePayload("linkHealth6", raw);
      if (d.ok && t.link !== undefined && d.value.link === t.link)
        snap.health6 = new Map(snap.health6).set(t.link, d.value);
      return d.ok;
    }
    case "routerState": {
      const d = decodePayload("routerState", raw);
      if (d.ok) snap.router = d.value;
      return d.ok;
    }
    case "supervisorState": {
      const d = decodePayload("supervisorState", raw);
      if (d.ok) snap.supervisor = d.value;
      return d.ok;
    }
    case "availability": {
      const d = decodePayload("availability", raw);
      if (d.ok && t.component !== undefined) snap.availability.set(componentId(t.component), d.value);
      return d.ok;
    }
    default:
      return false;
  }
}

export interface Watcher {
  snapshot: RetainedSnapshot;
  close(): Promise<void>;
}

/**
 * Connects (read-only), subscribes to the gateway's topics, and calls onChange as retained state arrives.
 * Without `retry`: fails at once with NOT_RUNNING when no broker answers. With it: keeps trying,
 * so `status --watch` started before wanpilot shows it as soon as it is up.
 */
export async function watchBus(
  url: string,
  gateway: string,
  opts: { username?: string; password?: string; onChange?: () => void; retry?: boolean } = {},
): Promise<Watcher> {
  const snapshot = emptySnapshot();
  const options = {
    protocolVersion: 4 as const,
    clean: true,
    connectTimeout: 2000,
    reconnectPeriod: opts.retry ? 1000 : 0,
    ...(opts.username === undefined ? {} : { username: opts.username, password: opts.password ?? "" }),
  };
  let client: MqttClient;
  if (opts.retry) {
    client = mqtt.connect(url, options);
    client.on("error", () => undefined); // reconnects on its own
  } else {
    const notRunning = (cause?: unknown) =>
      new WanpilotError("NOT_RUNNING", `wanpilot is not running: no broker answers at ${url}`, { cause });
    try {
      client = await mqtt.connectAsync(url, options, false);
    } catch (err: unknown) {
      throw notRunning(err);
    }
    // connectAsync also resolves when the client gives up and ends (connection refused, no retries).
    if (!client.connected) {
      client.end(true);
      throw notRunning();
    }
  }
  // Subscribing while the parts start, a stale retained copy can follow a live message (RetainedGuard).
  const retained = new RetainedGuard();
  client.on("message", (topic, raw, packet) => {
    if (!retained.accept(topic, packet.retain)) return;
    if (applyMessage(snapshot, topic, raw)) opts.onChange?.();
  });
  // Clean sessions: subscribe again on every (re)connect.
  client.on("connect", () => {
    retained.reset();
    void client.subscribeAsync(topics.all(gateway), { qos: 0 }).catch(() => undefined);
  });
  if (client.connected) await client.subscribeAsync(topics.all(gateway), { qos: 0 });
  return { snapshot, close: () => client.endAsync() };
}

/**
 * Waits until retained messages stop arriving (quietMs without one, once `complete` holds) or maxMs passed.
 * The broker sends them after acknowledging the subscription, so both bounds count from there, not from the
 * connect: on a loaded gateway the connect alone, or a pause between two retained messages, can take longer
 * than quietMs. Until the first one arrives and `complete` holds, only maxMs ends the wait.
 */
export async function collectRetained(
  url: string,
  gateway: string,
  opts: {
    username?: string;
    password?: string;
    quietMs?: number;
    maxMs?: number;
    complete?: (snap: RetainedSnapshot) => boolean;
  } = {},
): Promise<RetainedSnapshot> {
  const { complete = () => true, quietMs = 250, maxMs = 2000, ...credentials } = opts;
  let last: number | undefined;
  const w = await watchBus(url, gateway, { ...credentials, onChange: () => (last = Date.now()) });
  const subscribed = Date.now();
  const settled = () => last !== undefined && Date.now() - last >= quietMs && complete(w.snapshot);
  while (Date.now() - subscribed < maxMs && !settled()) await new Promise((r) => setTimeout(r, 25));
  await w.close();
  return w.snapshot;
}
