import {
  type Component,
  type EventAck,
  type LinkTransition,
  type RouteChange,
  topics,
  type WanpilotConfig,
} from "@wanpilot/common";
import { type Bus, connectBus } from "@wanpilot/runtime";
import { silentLog } from "@wanpilot/testing";

type Event = { kind: "linkEvent"; payload: LinkTransition } | { kind: "routerEvent"; payload: RouteChange };

/**
 * What a prober or the router does for the no-loss protocol: every event goes into an outbox (here a Map;
 * a real publisher keeps it on disk so it survives its own restart), is published at QoS 1, is republished
 * on every (re)connect and whenever it has waited `retryMs` without an ack, and leaves only when the
 * logger acks its id.
 */
export class OutboxPublisher {
  private readonly sentAtMs = new Map<string, number>();
  private retryTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly bus: Bus,
    private readonly gateway: string,
    readonly outbox: Map<string, Event>,
    private readonly retryMs: number,
  ) {}

  /** `outbox` is what a restarted publisher reads back from its disk. */
  static async start(opts: {
    config: WanpilotConfig;
    component: Component;
    outbox?: Map<string, Event>;
    retryMs?: number;
  }): Promise<OutboxPublisher> {
    const { config, component } = opts;
    const bus = await connectBus({ config, component, log: silentLog });
    const p = new OutboxPublisher(bus, config.gateway, new Map(opts.outbox), opts.retryMs ?? 300);
    await bus.subscribe("loggerAck", topics.loggerAck(config.gateway), (ack: EventAck) => {
      for (const id of ack.ids) p.outbox.delete(id);
    });
    bus.onConnect(() => p.resendAll());
    p.retryTimer = setInterval(() => p.resendStale(), Math.max(50, p.retryMs / 3));
    p.resendAll();
    return p;
  }

  emitTransition(t: LinkTransition): void {
    this.emit({ kind: "linkEvent", payload: t });
  }

  emitRouteChange(r: RouteChange): void {
    this.emit({ kind: "routerEvent", payload: r });
  }

  async close(): Promise<void> {
    clearInterval(this.retryTimer);
    await this.bus.close();
  }

  private emit(e: Event): void {
    this.outbox.set(e.payload.id, e);
    this.send(e);
  }

  private send(e: Event): void {
    this.sentAtMs.set(e.payload.id, Date.now());
    // Not awaited: while the broker is away the client queues it, and the outbox covers a lost queue.
    const sent =
      e.kind === "linkEvent"
        ? this.bus.publish("linkEvent", topics.linkEvent(this.gateway, e.payload.link), e.payload)
        : this.bus.publish("routerEvent", topics.routerEvent(this.gateway), e.payload);
    sent.catch(() => undefined);
  }

  private resendAll(): void {
    for (const e of this.outbox.values()) this.send(e);
  }

  private resendStale(): void {
    const now = Date.now();
    for (const e of this.outbox.values())
      if (now - (this.sentAtMs.get(e.payload.id) ?? 0) >= this.retryMs) this.send(e);
  }
}
