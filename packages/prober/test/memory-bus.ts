import { CONTRACT, type PayloadOf, type TopicKind } from "@wanpilot/common";
import type { ProberBus } from "../src/index.js";

/** An in-memory bus for tests: schema-checks every publish like the real one and records it with a time. */
export class MemoryBus implements ProberBus {
  readonly published: { kind: TopicKind; topic: string; payload: unknown; atMs: number }[] = [];
  readonly #handlers: { kind: TopicKind; pattern: string; fn: (p: never, t: string) => void }[] = [];
  readonly #onConnect: (() => void | Promise<void>)[] = [];

  async publish<K extends TopicKind>(kind: K, topic: string, payload: PayloadOf<K>): Promise<void> {
    CONTRACT[kind].schema.parse(payload);
    this.published.push({ kind, topic, payload, atMs: performance.now() });
  }

  async subscribe<K extends TopicKind>(
    kind: K,
    pattern: string,
    fn: (p: PayloadOf<K>, t: string) => void,
  ): Promise<void> {
    this.#handlers.push({ kind, pattern, fn: fn as (p: never, t: string) => void });
  }

  onConnect(handler: () => void | Promise<void>): void {
    this.#onConnect.push(handler);
  }

  async close(): Promise<void> {}

  /** Delivers an inbound message to matching subscribers (exact topics only: enough for tests). */
  deliver<K extends TopicKind>(kind: K, topic: string, payload: PayloadOf<K>): void {
    for (const h of this.#handlers) if (h.kind === kind && h.pattern === topic) h.fn(payload as never, topic);
  }

  async reconnect(): Promise<void> {
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

export async function until<T>(
  check: () => T | undefined | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
