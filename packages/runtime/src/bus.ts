import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CONTRACT,
  type Component,
  componentId,
  credentialFileName,
  decodePayload,
  encodePayload,
  errorMessage,
  externalUsername,
  isPublishableTopic,
  type PayloadOf,
  parseTopic,
  type ReceivedTopic,
  redactUrl,
  splitHostPort,
  type Topic,
  type TopicFilter,
  type TopicKind,
  topics,
  type WanpilotConfig,
  WanpilotError,
} from "@wanpilot/common";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { deriveBusPassword, readBusSecret } from "./credentials.js";
import { RetainedGuard } from "./retained-guard.js";
import { readSecretFile } from "./secret-files.js";
import { topicMatches } from "./topic-match.js";

export interface BusCredentials {
  username: string;
  password: string;
}

export interface Bus {
  /** The topic's type names its kind, so a payload cannot go out on another kind's topic. */
  publish<K extends TopicKind>(
    kind: K,
    topic: Topic<NoInfer<K>>,
    payload: PayloadOf<NoInfer<K>>,
  ): Promise<void>;
  /** `handler` gets each valid message of the kind on a matching topic, with the topic parsed. */
  subscribe<K extends TopicKind>(
    kind: K,
    pattern: Topic<NoInfer<K>> | TopicFilter<NoInfer<K>>,
    handler: (payload: PayloadOf<K>, topic: ReceivedTopic) => void,
  ): Promise<void>;
  /** Removes a retained message (an empty retained payload); only for retained kinds. */
  clearRetained(kind: TopicKind, topic: string): Promise<void>;
  /** Topics under `pattern` that hold a retained message now (collected until `quietMs` pass without one). */
  retainedTopics(pattern: string, quietMs: number): Promise<string[]>;
  /**
   * Publishes "online" again. The first goes out at connect, before the part has subscribed; a part whose
   * peers act on its "online" (they resend their unacknowledged events to the logger) calls this once its
   * subscriptions are made, so what is resent finds it listening. (On a reconnect MQTT.js subscribes again
   * before "online" goes out.)
   */
  announce(): Promise<void>;
  /** Runs after every (re)connect, once "online" is published: republish retained state here. */
  onConnect(handler: () => void | Promise<void>): void;
  /** Runs whenever the connection is lost (and again on each failed reconnect). */
  onDisconnect(handler: () => void): void;
  readonly connected: boolean;
  /** Inbound payloads dropped as invalid. */
  readonly rejected: number;
  close(): Promise<void>;
}

export interface BusOptions {
  config: WanpilotConfig;
  component: Component;
  log: Logger;
  credentials?: BusCredentials;
  /** Overrides the broker URL (tests). */
  url?: string;
}

/** The broker URL a component connects to: the external one, or the embedded listener (a wildcard listen → loopback). */
export function busUrl(config: WanpilotConfig): string {
  if (config.bus.url !== undefined) return config.bus.url;
  const { host, port } = splitHostPort(config.bus.listen);
  const target = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `mqtt://${target.includes(":") ? `[${target}]` : target}:${port}`;
}

/**
 * Credentials: given ones; for an external broker the part's own (bus.credentials_dir, none with
 * allow_no_credentials); for the embedded one derived from its secret.
 */
export function resolveCredentials(config: WanpilotConfig, component: Component): BusCredentials | undefined {
  if (config.bus.url !== undefined) {
    const dir = config.bus.credentials_dir;
    if (dir === undefined) return undefined;
    return {
      username: externalUsername(config.gateway, component),
      password: readSecretFile(
        join(dir, credentialFileName(component)),
        `the password file of ${componentId(component)}`,
      ),
    };
  }
  const username = componentId(component);
  return { username, password: deriveBusPassword(readBusSecret(config.runtime_dir), username) };
}

/** TLS material for an mqtts:// or wss:// external broker (bus.tls). */
export function tlsOptions(config: WanpilotConfig): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const tls = config.bus.tls;
  if (tls === undefined) return {};
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err: unknown) {
      throw new WanpilotError("CONFIG_UNREADABLE", `cannot read ${what} ${file}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  };
  return {
    ...(tls.ca_file === undefined ? {} : { ca: read(tls.ca_file, "bus.tls.ca_file") }),
    ...(tls.cert_file === undefined ? {} : { cert: read(tls.cert_file, "bus.tls.cert_file") }),
    ...(tls.key_file === undefined
      ? {}
      : { key: Buffer.from(`${readSecretFile(tls.key_file, "bus.tls.key_file")}\n`) }),
  };
}

const MAX_EARLY_MESSAGES = 10_000;

interface Subscription {
  kind: TopicKind;
  pattern: string;
  handler: (payload: never, topic: ReceivedTopic) => void;
  /** Drops a retained copy older than a live message on its topic (see RetainedGuard). */
  retained: RetainedGuard;
}

/** Connects a component to the bus: last will `offline`, `online` on every connect, schema-checked in and out. */
export async function connectBus(opts: BusOptions): Promise<Bus> {
  const { config, component, log } = opts;
  const id = componentId(component);
  const availability = topics.availability(config.gateway, component);
  const creds = opts.credentials ?? resolveCredentials(config, component);
  const client: MqttClient = mqtt.connect(opts.url ?? busUrl(config), {
    protocolVersion: 4,
    clientId: `wanpilot-${config.gateway}-${id.replace("/", "-")}`,
    clean: false,
    reconnectPeriod: 500,
    connectTimeout: 5000,
    keepalive: 10,
    // mqtt-packet would otherwise keep a 2-byte Buffer for each of the 65,536 packet ids: ~7 MiB of heap
    // in every process, to save an allocation on a bus that carries a few messages a second.
    writeCache: false,
    ...(creds === undefined ? {} : { username: creds.username, password: creds.password }),
    ...tlsOptions(config),
    will: { topic: availability, payload: Buffer.from("offline"), qos: 1, retain: true },
  });
  const subs: Subscription[] = [];
  const connectHandlers: Array<() => void | Promise<void>> = [];
  const disconnectHandlers: Array<() => void> = [];
  let rejected = 0;

  // A persistent session's queued messages arrive right after CONNACK, before the caller has had a
  // chance to subscribe(): keep them (bounded) and hand them over when the matching handler registers.
  const early: Array<{ topic: string; raw: Buffer; retain: boolean }> = [];
  const deliver = (topic: string, raw: Buffer, retain: boolean, only?: Subscription) => {
    const parsed = parseTopic(topic);
    for (const sub of only ? [only] : subs) {
      if (!topicMatches(sub.pattern, topic)) continue;
      if (!sub.retained.accept(topic, retain)) {
        log.debug({ topic }, "retained copy older than a live message dropped");
        continue;
      }
      if (parsed?.kind !== sub.kind) {
        rejected++;
        log.warn({ topic }, "message on an unexpected topic dropped");
        continue;
      }
      const decoded = decodePayload(sub.kind, raw);
      if (!decoded.ok) {
        rejected++;
        log.warn({ topic, reason: decoded.reason }, "invalid payload dropped");
        continue;
      }
      // The broker lets a prober publish only on its own link's topics; the payload must agree with the topic.
      // (Text payloads have no link: a string's `.link` is String.prototype.link.)
      const value: unknown = decoded.value;
      const named =
        typeof value === "object" && value !== null ? (value as { link?: unknown }).link : undefined;
      if (parsed.link !== undefined && named !== undefined && named !== parsed.link) {
        rejected++;
        log.warn({ topic, link: named }, "payload names another link than its topic, dropped");
        continue;
      }
      try {
        sub.handler(decoded.value as never, { ...parsed, path: topic });
      } catch (err: unknown) {
        log.error({ err, topic }, "message handler failed");
      }
    }
  };
  const collectors: Array<{ pattern: string; seen: (topic: string, raw: Buffer) => void }> = [];
  client.on("message", (topic, raw, packet) => {
    const collector = collectors.find((c) => topicMatches(c.pattern, topic));
    if (collector !== undefined) collector.seen(topic, raw);
    else if (subs.some((s) => topicMatches(s.pattern, topic))) deliver(topic, raw, packet.retain);
    else if (early.length < MAX_EARLY_MESSAGES) early.push({ topic, raw, retain: packet.retain });
    else {
      rejected++;
      log.warn({ topic }, "message before any matching subscription dropped");
    }
  });
  const publishOnline = () => client.publishAsync(availability, "online", { qos: 1, retain: true });
  client.on("connect", () => {
    // A subscription made again after a reconnect sends the broker's current retained messages.
    for (const sub of subs) sub.retained.reset();
    // Latency matters more than packet count here (a link-state message should reach the router at once).
    const stream = client.stream as { setNoDelay?: (on: boolean) => void };
    stream.setNoDelay?.(true);
    log.info({ url: redactUrl(opts.url ?? busUrl(config)) }, "bus connected");
    void (async () => {
      try {
        await publishOnline();
        for (const h of connectHandlers) await h();
      } catch (err: unknown) {
        log.warn({ err }, "republish after connect failed");
      }
    })();
  });
  client.on("offline", () => log.warn("bus offline, reconnecting"));
  client.on("close", () => {
    for (const h of disconnectHandlers) h();
  });
  let closing = false;
  client.on("error", (err) => {
    // While closing, a message still arriving gets its acknowledgement written to the ended stream:
    // nothing is lost by that (we are going), so it is not worth a warning at every stop.
    if (closing && (err as { code?: string }).code === "ERR_STREAM_WRITE_AFTER_END") {
      log.debug({ err }, "bus error while closing");
      return;
    }
    log.warn({ err }, "bus error");
  });

  await waitConnected(client, 15_000);

  const bus: Bus = {
    get connected() {
      return client.connected;
    },
    get rejected() {
      return rejected;
    },
    async publish(kind, topic, payload) {
      if (!isPublishableTopic(topic))
        throw new WanpilotError("BUS_PAYLOAD_INVALID", `refusing to publish to ${topic}`);
      const spec = CONTRACT[kind];
      const check = spec.schema.safeParse(payload);
      if (!check.success)
        throw new WanpilotError("BUS_PAYLOAD_INVALID", `payload for ${topic} does not match its schema`, {
          cause: check.error,
        });
      // The part is going: what it would still say (a view refreshed by others' last wills) is dropped
      // quietly; reliable events stay in their outbox file for the next start.
      if (closing) {
        log.debug({ topic }, "not published: the bus is closing");
        return;
      }
      await client.publishAsync(topic, encodePayload(kind, payload), {
        qos: spec.qos,
        retain: spec.retained,
      });
    },
    async clearRetained(kind, topic) {
      if (!isPublishableTopic(topic) || !CONTRACT[kind].retained)
        throw new WanpilotError("BUS_PAYLOAD_INVALID", `refusing to clear ${topic}`);
      await client.publishAsync(topic, "", { qos: CONTRACT[kind].qos, retain: true });
    },
    async announce() {
      if (client.connected) await publishOnline();
    },
    async retainedTopics(pattern, quietMs) {
      const found = new Set<string>();
      let last = Date.now();
      const collector = {
        pattern,
        seen: (topic: string, raw: Buffer) => {
          last = Date.now();
          if (raw.length > 0) found.add(topic);
        },
      };
      collectors.push(collector);
      try {
        await client.subscribeAsync(pattern, { qos: 0 });
        while (Date.now() - last < quietMs) await new Promise((r) => setTimeout(r, quietMs / 4));
        await client.unsubscribeAsync(pattern);
      } finally {
        collectors.splice(collectors.indexOf(collector), 1);
      }
      return [...found];
    },
    async subscribe(kind, pattern, handler) {
      const sub: Subscription = {
        kind,
        pattern,
        handler: handler as Subscription["handler"],
        retained: new RetainedGuard(),
      };
      subs.push(sub);
      for (let i = 0; i < early.length; ) {
        const m = early[i];
        if (m !== undefined && topicMatches(pattern, m.topic)) {
          early.splice(i, 1);
          deliver(m.topic, m.raw, m.retain, sub);
        } else i++;
      }
      await client.subscribeAsync(pattern, { qos: 1 });
    },
    onConnect(handler) {
      connectHandlers.push(handler);
      if (client.connected)
        void Promise.resolve(handler()).catch((err: unknown) => log.warn({ err }, "connect handler failed"));
    },
    onDisconnect(handler) {
      disconnectHandlers.push(handler);
    },
    async close() {
      closing = true;
      // Never hang on a broker that went away: the offline gets a second, then the client is ended by force
      // (a forced end skips DISCONNECT, so the broker publishes the will, which says offline too).
      try {
        if (client.connected)
          await withTimeout(client.publishAsync(availability, "offline", { qos: 1, retain: true }), 1000);
      } catch (err: unknown) {
        log.warn({ err }, "could not publish offline before closing");
      } finally {
        await withTimeout(client.endAsync(!client.connected), 1000).catch(() => client.endAsync(true));
      }
    },
  };
  return bus;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WanpilotError("BUS_UNAVAILABLE", `no answer from the bus within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function waitConnected(client: MqttClient, timeoutMs: number): Promise<void> {
  if (client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      client.end(true);
      reject(
        new WanpilotError("BUS_UNAVAILABLE", `no connection to the bus within ${timeoutMs} ms`, {
          cause: lastError,
        }),
      );
    }, timeoutMs);
    let lastError: unknown;
    const onErr = (err: unknown) => {
      lastError = err;
      // A refused login will not get better by retrying.
      if ((err as { code?: number }).code === 4 || (err as { code?: number }).code === 5) {
        cleanup();
        client.end(true);
        reject(
          new WanpilotError(
            "BUS_UNAVAILABLE",
            `the bus refused the login: ${String((err as Error).message)}`,
            { cause: err },
          ),
        );
      }
    };
    const onConnect = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off("error", onErr);
      client.off("connect", onConnect);
    };
    client.on("error", onErr);
    client.on("connect", onConnect);
  });
}
