import type { PayloadOf, TopicKind } from "@wanpilot/common";

/** The part of `@wanpilot/runtime`'s Bus the prober uses (tests pass an in-memory one). */
export interface ProberBus {
  publish<K extends TopicKind>(kind: K, topic: string, payload: PayloadOf<K>): Promise<void>;
  subscribe<K extends TopicKind>(
    kind: K,
    pattern: string,
    handler: (payload: PayloadOf<K>, topic: string) => void,
  ): Promise<void>;
  onConnect(handler: () => void | Promise<void>): void;
  close(): Promise<void>;
}
