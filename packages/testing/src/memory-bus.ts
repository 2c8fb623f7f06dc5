import { CONTRACT, type PayloadOf, parseTopic, type TopicKind } from "@wanpilot/common";
import { type Bus, topicMatches } from "@wanpilot/runtime";

type Handler = { kind: TopicKind; pattern: string; fn: (p: never, t: string) => void };

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

  async publish<K extends TopicKind>(kind: K, topic: string, payload: PayloadOf<K>): Promise<void> {
    CONTRACT[kind].schema.parse(payload);
    if (parseTopic(topic)?.kind !== kind && kind !== "haDiscovery")
      throw new Error(`${kind} published on ${topic}, a topic of another kind`);
    if (this.failPublish) throw new Error("bus unavailable (MemoryBus.failPublish)");
    this.published.push({ kind, topic, payload, atMs: performance.now() });
  }

  async subscribe<K extends TopicKind>(
    kind: K,
    pattern: string,
    fn: (p: PayloadOf<K>, t: string) => void,
  ): Promise<void> {
    this.#handlers.push({ kind, pattern, fn: fn as Handler["fn"] });
  }

  onConnect(handler: () => void | Promise<void>): void {
    this.#onConnect.push(handler);
    if (this.connected) void handler();
  }

  async close(): Promise<void> {
    this.connected = false;
  }

  /** Delivers an inbound message to every subscription of its kind whose pattern matches the topic. */
  deliver<K extends TopicKind>(kind: K, topic: string, payload: PayloadOf<K>): void {
    for (const h of this.#handlers)
      if (h.kind === kind && topicMatches(h.pattern, topic)) h.fn(payload as never, topic);
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
