import type { PayloadOf, TopicKind } from "@wanpilot/common";

/**
 * The slice of `@wanpilot/runtime`'s Bus the logger uses (BRIEF.md). Kept as a local type so the logger
 * builds before the runtime package lands; the runtime's Bus is structurally the same.
 */
export interface Bus {
  publish<K extends TopicKind>(kind: K, topic: string, payload: PayloadOf<K>): Promise<void>;
  subscribe<K extends TopicKind>(
    kind: K,
    pattern: string,
    handler: (payload: PayloadOf<K>, topic: string) => void,
  ): Promise<void>;
  onConnect(handler: () => void | Promise<void>): void;
  readonly rejected: number;
  close(): Promise<void>;
}
