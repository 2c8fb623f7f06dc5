import { LinkTransition, type PayloadOf, RouteChange, type Topic, topics } from "@wanpilot/common";
import type { Logger } from "pino";
import type * as z from "zod";
import type { Bus } from "./bus.js";
import { acknowledge, emptyOutbox, enqueue, type Outbox } from "./outbox.js";
import { OutboxFile } from "./outbox-file.js";

/** The kinds whose every message must reach the logger: each carries an id the logger acks. */
export type EventKind = "linkEvent" | "linkEvent6" | "routerEvent";

export interface EventOutboxOptions<K extends EventKind> {
  bus: Pick<Bus, "publish" | "subscribe" | "onConnect">;
  gateway: string;
  kind: K;
  /** Where every event of this outbox is published (one link's events, or the router's). */
  topic: Topic<K>;
  log: Logger;
  /** Keep unacknowledged events in this file too, so a restarted part resends them (`wanpilot prober|router`). */
  file?: string;
  /** Unacknowledged events are sent again this often, besides on every reconnect and logger restart. */
  resendMs?: number;
}

const RESEND_MS = 10_000;

const SCHEMAS: { [K in EventKind]: z.ZodType<PayloadOf<K>> } = {
  linkEvent: LinkTransition,
  linkEvent6: LinkTransition,
  routerEvent: RouteChange,
};

/**
 * Reliable delivery to the logger: an event is published at QoS 1 and kept until the logger acks its id;
 * what is kept is sent again after every (re)connect, whenever the logger comes online, and on a timer,
 * and survives the part's own restart in its file. The logger ignores ids it already stored.
 */
export class EventOutbox<K extends EventKind> {
  readonly #o: EventOutboxOptions<K>;
  readonly #file: OutboxFile<PayloadOf<K>> | undefined;
  #outbox: Outbox<PayloadOf<K>>;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(o: EventOutboxOptions<K>) {
    this.#o = o;
    this.#file = o.file === undefined ? undefined : new OutboxFile(o.file, SCHEMAS[o.kind], o.log);
    this.#outbox = emptyOutbox(this.#file?.load() ?? []);
  }

  /** Listens for acks and the logger's return; resends now (if connected), on every reconnect and on a timer. */
  async start(): Promise<void> {
    const { bus, gateway } = this.#o;
    await bus.subscribe("loggerAck", topics.loggerAck(gateway), (ack) => {
      const before = this.#outbox.items.length;
      this.#outbox = acknowledge(this.#outbox, ack.ids);
      if (this.#outbox.items.length !== before) this.#file?.save(this.#outbox.items);
    });
    bus.onConnect(() => this.resend());
    // The logger may come back on a restarted broker after we reconnected: resend what it has not acked.
    await bus.subscribe("availability", topics.availability(gateway, { kind: "logger" }), (a) => {
      if (a === "online") void this.resend();
    });
    this.#timer = setInterval(() => void this.resend(), this.#o.resendMs ?? RESEND_MS);
  }

  /** Keeps the event (on disk too) and publishes it. */
  add(event: PayloadOf<K>): void {
    this.#outbox = enqueue(this.#outbox, event);
    this.#file?.save(this.#outbox.items);
    void this.#publish(event);
  }

  /** Publishes every unacknowledged event again, oldest first. */
  async resend(): Promise<void> {
    await Promise.all(this.#outbox.items.map((e) => this.#publish(e)));
  }

  /** Events published but not yet acknowledged by the logger. */
  get pending(): number {
    return this.#outbox.items.length;
  }

  /** Events dropped unacknowledged because the outbox was full. */
  get dropped(): number {
    return this.#outbox.dropped;
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  async #publish(event: PayloadOf<K>): Promise<void> {
    if (this.#stopped) return;
    // While the broker is away the client queues it; a lost queue is what the resends are for.
    await this.#o.bus
      .publish(this.#o.kind, this.#o.topic, event)
      .catch((err: unknown) => this.#o.log.warn({ err, kind: this.#o.kind }, "publishing an event failed"));
  }
}
