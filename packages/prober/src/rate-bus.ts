import { type LinkStateName, type RouterState, topics } from "@wanpilot/common";
import type { ProberBus } from "./adapters/bus.js";
import type { Family } from "./family.js";

/** What the standby rate hears from the bus; a peer's state carries the family it is of. */
export type RateEvent =
  | { kind: "bus"; connected: boolean }
  | { kind: "routerOnline"; online: boolean }
  | { kind: "routerState"; state: RouterState }
  | { kind: "peer"; family: Family; link: string; state: LinkStateName };

/**
 * The standby rate's bus inputs, subscribed once per part and handed to each family's RateWatch. One
 * subscription per topic: MQTT.js does not send a second SUBSCRIBE for a filter it already holds, so a
 * second subscriber in the part would never get the retained messages. What was heard is replayed to a
 * listener that joins later (the IPv6 judge starts after the IPv4 one).
 */
export class RateBus {
  readonly #bus: ProberBus;
  readonly #gateway: string;
  readonly #listeners: Array<(e: RateEvent) => void> = [];
  #started: Promise<void> | undefined;
  /** The latest of each kind (and each peer of each family): what a late listener is told first. */
  readonly #latest = new Map<string, RateEvent>();

  readonly #ipv6: boolean;

  /** `ipv6`: the link has an IPv6 judge, which hears the links' IPv6 states. */
  constructor(bus: ProberBus, gateway: string, ipv6: boolean) {
    this.#bus = bus;
    this.#gateway = gateway;
    this.#ipv6 = ipv6;
  }

  /** Adds a listener, told at once what was heard so far. */
  listen(listener: (e: RateEvent) => void): void {
    this.#listeners.push(listener);
    for (const e of this.#latest.values()) listener(e);
  }

  /** Subscribes (once, whoever calls first). */
  start(): Promise<void> {
    this.#started ??= this.#subscribe();
    return this.#started;
  }

  async #subscribe(): Promise<void> {
    const bus = this.#bus;
    const gw = this.#gateway;
    bus.onDisconnect(() => this.#emit({ kind: "bus", connected: false }));
    bus.onConnect(() => this.#emit({ kind: "bus", connected: true }));
    await bus.subscribe("availability", topics.availability(gw, { kind: "router" }), (a) =>
      this.#emit({ kind: "routerOnline", online: a === "online" }),
    );
    await bus.subscribe("routerState", topics.routerState(gw), (state) =>
      this.#emit({ kind: "routerState", state }),
    );
    await bus.subscribe("linkState", topics.allLinkStates(gw), (s) =>
      this.#emit({ kind: "peer", family: "ipv4", link: s.link, state: s.state }),
    );
    if (this.#ipv6)
      await bus.subscribe("linkState6", topics.allLinkStates6(gw), (s) =>
        this.#emit({ kind: "peer", family: "ipv6", link: s.link, state: s.state }),
      );
  }

  #emit(e: RateEvent): void {
    // A disconnect forgets what was heard: after it, only what comes next counts (as in the core).
    if (e.kind === "bus" && !e.connected) this.#latest.clear();
    this.#latest.set(e.kind === "peer" ? `peer ${e.family} ${e.link}` : e.kind, e);
    for (const l of this.#listeners) l(e);
  }
}
