import {
  CONTRACT,
  isPublishableTopic,
  type PayloadOf,
  parseTopic,
  type ReceivedTopic,
  type Topic,
  type TopicFilter,
  type TopicKind,
} from "@wanpilot/common";
import { type Bus, topicMatches } from "@wanpilot/runtime";

type Handler = { kind: TopicKind; pattern: string; fn: (p: never, t: ReceivedTopic) => void };

/**
 * An in-memory Bus for unit tests: schema-checks every publish like the real one and records it with a
 * time; `deliver` hands a message to the matching subscriptions (MQTT wildcards included), `reconnect`
 * runs the connect handlers as a real reconnect does.
 */
export class MemoryBus implements Bus {
  readonly published: { kind: TopicKind; topic: string; payload: unknown; atMs: number }[] = [];
  readonly #handlers: Handler[] = [];
  readonly #onConnect: (() => void | Promise<void>)[] = [];
  connected = true;
  readonly rejected = 0;
  /** When set, publishes reject (a broker gone away). */
  failPublish = false;

  async publish<K extends TopicKind>(
    kind: K,
    topic: Topic<NoInfer<K>>,
    payload: PayloadOf<NoInfer<K>>,
  ): Promise<void> {
    CONTRACT[kind].schema.parse(payload);
    if (!isPublishableTopic(topic)) throw new Error(`refusing to publish to ${topic}`);
    if (parseTopic(topic)?.kind !== kind && kind !== "haDiscovery")
      throw new Error(`${kind} published on ${topic}, a topic of another kind`);
    if (this.failPublish) throw new Error("bus unavailable (MemoryBus.failPublish)");
    this.published.push({ kind, topic, payload, atMs: performance.now() });
  }

  async subscribe<K extends TopicKind>(
    kind: K,
    pattern: Topic<NoInfer<K>> | TopicFilter<NoInfer<K>>,
    fn: (p: PayloadOf<K>, t: ReceivedTopic) => void,
  ): Promise<void> {
    this.#handlers.push({ kind, pattern, fn: fn as Handler["fn"] });
  }

  onConnect(handler: () => void | Promise<void>): void {
    this.#onConnect.push(handler);
    if (this.connected) void handler();
  }

  readonly #onDisconnect: (() => void)[] = [];

  onDisconnect(handler: () => void): void {
    this.#onDisconnect.push(handler);
  }

  /** The connection is lost: disconnect handlers run. */
  disconnect(): void {
    this.connected = false;
    for (const h of this.#onDisconnect) h();
  }

  async close(): Promise<void> {
    this.connected = false;
  }

  /** Cleared retained topics, in order. */
  readonly cleared: string[] = [];
  /** What `retainedTopics` answers (tests set it). */
  retained: string[] = [];

  async clearRetained(_kind: TopicKind, topic: string): Promise<void> {
    this.cleared.push(topic);
  }

  /** Nothing to announce: a memory bus has no availability topic. */
  async announce(): Promise<void> {}

  async retainedTopics(pattern: string): Promise<string[]> {
    return this.retained.filter((t) => topicMatches(pattern, t));
  }

  /** Delivers an inbound message to every subscription of its kind whose pattern matches the topic. */
  deliver<K extends TopicKind>(kind: K, topic: Topic<NoInfer<K>>, payload: PayloadOf<NoInfer<K>>): void {
    const parsed = parseTopic(topic);
    if (parsed === undefined) throw new Error(`${topic} is not a wanpilot topic`);
    for (const h of this.#handlers)
      if (h.kind === kind && topicMatches(h.pattern, topic))
        h.fn(payload as never, { ...parsed, path: topic });
  }

  async reconnect(): Promise<void> {
    this.connected = true;
    for (const h of this.#onConnect) await h();
  }

  of<K extends TopicKind>(kind: K): { payload: PayloadOf<K>; atMs: number; topic: string }[] {
    return this.published.filter((p) => p.kind === kind) as {
      payload: PayloadOf<K>;
      atMs: number;
      topic: string;
    }[];
  }
}
