import { type LinkStateName, topics } from "@wanpilot/common";
import type { Logger } from "pino";
import type { ProberBus } from "./adapters/bus.js";
import {
  initialRate,
  type ProbeRate,
  type RateInput,
  type RateMachine,
  type RateParams,
  rateStep,
} from "./core/standby.js";

export interface RateWatchOptions {
  bus: ProberBus;
  gateway: string;
  params: RateParams;
  now: () => number;
  log: Logger;
  /** The rate changed: retime the probes. */
  onRate: (rate: ProbeRate, reason: string) => void;
}

/**
 * Feeds what the bus says about the router and the other links (and the link's own verdict) to the
 * standby core, and wakes it when its hold ends. Only hands the rate over; the prober retimes.
 */
export class RateWatch {
  readonly #o: RateWatchOptions;
  #m: RateMachine;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(o: RateWatchOptions) {
    this.#o = o;
    this.#m = initialRate(o.now());
  }

  get rate(): ProbeRate {
    return this.#m.rate;
  }

  async start(): Promise<void> {
    const { bus, gateway } = this.#o;
    if (!this.#o.params.enabled) return;
    bus.onDisconnect(() => this.#feed({ kind: "bus", atMs: this.#o.now(), connected: false }));
    bus.onConnect(() => this.#feed({ kind: "bus", atMs: this.#o.now(), connected: true }));
    await bus.subscribe("availability", topics.availability(gateway, { kind: "router" }), (a) =>
      this.#feed({ kind: "routerOnline", atMs: this.#o.now(), online: a === "online" }),
    );
    await bus.subscribe("routerState", topics.routerState(gateway), (state) =>
      this.#feed({ kind: "routerState", atMs: this.#o.now(), state }),
    );
    await bus.subscribe("linkState", topics.allLinkStates(gateway), (s) =>
      this.#feed({ kind: "peer", atMs: this.#o.now(), link: s.link, state: s.state }),
    );
  }

  /** The link's own verdict changed. */
  own(state: LinkStateName): void {
    if (this.#o.params.enabled) this.#feed({ kind: "own", atMs: this.#o.now(), state });
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #feed(input: RateInput): void {
    if (this.#stopped) return;
    const s = rateStep(this.#o.params, this.#m, input);
    this.#m = s.machine;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (s.wakeAtMs !== null)
      this.#timer = setTimeout(
        () => this.#feed({ kind: "tick", atMs: this.#o.now() }),
        Math.max(0, s.wakeAtMs - this.#o.now()) + 1,
      );
    if (s.change === null) return;
    this.#o.log.info({ from: s.change.from, to: s.change.to, reason: s.change.reason }, "probe rate changed");
    this.#o.onRate(s.change.to, s.change.reason);
  }
}
