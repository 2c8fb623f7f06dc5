import { type LinkHealth, type LinkTransition, type RouteChange, topics } from "@wanpilot/common";
import type { Bus, Logger } from "@wanpilot/runtime";
import type { Store } from "./adapters/store.js";
import { acksFor } from "./core/ack.js";

export interface LoggerStats {
  transitionsStored: number;
  routeChangesStored: number;
  duplicates: number;
  healthStored: number;
  acksSent: number;
  writeFailures: number;
}

interface Batch {
  transitions: LinkTransition[];
  routeChanges: RouteChange[];
  health: LinkHealth[];
}

const emptyBatch = (): Batch => ({ transitions: [], routeChanges: [], health: [] });

/**
 * Collects inbound events for `delayMs`, writes them (a transaction per kind), then acks every event id of the batch
 * (stored now or before: a redelivery means the publisher missed the first ack). A batch that cannot be
 * written is not acked, so its events come back.
 */
export class Recorder {
  readonly stats: LoggerStats = {
    transitionsStored: 0,
    routeChangesStored: 0,
    duplicates: 0,
    healthStored: 0,
    acksSent: 0,
    writeFailures: 0,
  };
  private pending = emptyBatch();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly deps: { store: Store; bus: Bus; gateway: string; log: Logger; now: () => number },
    private readonly delayMs: number,
  ) {}

  add(fill: (b: Batch) => void): void {
    if (this.closed) return;
    fill(this.pending);
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Writes what is pending and refuses anything later (unacked, it will be resent to the next logger). */
  close(): void {
    this.closed = true;
    this.flush();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = emptyBatch();
    if (this.write(batch))
      this.ack([...batch.transitions.map((t) => t.id), ...batch.routeChanges.map((r) => r.id)]);
  }

  private write(batch: Batch): boolean {
    const { store, log } = this.deps;
    try {
      const transitions = store.insertTransitions(batch.transitions);
      const routeChanges = store.insertRouteChanges(batch.routeChanges);
      this.stats.healthStored += store.insertHealth(batch.health);
      this.stats.transitionsStored += transitions;
      this.stats.routeChangesStored += routeChanges;
      this.stats.duplicates +=
        batch.transitions.length + batch.routeChanges.length - transitions - routeChanges;
      if (transitions + routeChanges > 0) log.debug({ transitions, routeChanges }, "events stored");
      return true;
    } catch (err: unknown) {
      this.stats.writeFailures += 1;
      log.error({ err }, "storing events failed; they stay unacked and will be redelivered");
      return false;
    }
  }

  /** Not awaited: while the bus is away acks queue in the client, and a lost ack only causes a resend. */
  private ack(ids: string[]): void {
    const { bus, gateway, log, now } = this.deps;
    for (const ack of acksFor(ids, now()))
      bus.publish("loggerAck", topics.loggerAck(gateway), ack).then(
        () => {
          this.stats.acksSent += 1;
        },
        (err: unknown) =>
          log.warn({ err, ids: ack.ids.length }, "ack not sent; the publishers will resend those events"),
      );
  }
}
