import type { LinkStateName } from "@wanpilot/common";
import type { Logger } from "pino";
import {
  initialRate,
  type ProbeRate,
  type RateInput,
  type RateMachine,
  type RateParams,
  rateStep,
} from "./core/standby.js";
import type { RateBus } from "./rate-bus.js";

export interface RateWatchOptions {
  /** The part's bus inputs, shared by both families' watches. */
  source: RateBus;
  params: RateParams;
  now: () => number;
  log: Logger;
  /** The rate changed: retime the probes. */
  onRate: (rate: ProbeRate, reason: string) => void;
}

/**
 * Feeds what the bus says about the router and the other links (from the part's RateBus) and the link's
 * own verdict to the standby core, and wakes it when its hold ends. Only hands the rate over; the prober retimes.
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
    const { source, now, params } = this.#o;
    if (!params.enabled) return;
    const family = params.family ?? "ipv4";
    source.listen((e) => {
      const atMs = now();
      if (e.kind === "bus") this.#feed({ kind: "bus", atMs, connected: e.connected });
      else if (e.kind === "routerOnline") this.#feed({ kind: "routerOnline", atMs, online: e.online });
      else if (e.kind === "routerState") this.#feed({ kind: "routerState", atMs, state: e.state });
      // The peers of the judge's own family: an IPv6 judge weighs the other links' IPv6 verdicts.
      else if (e.family === family) this.#feed({ kind: "peer", atMs, link: e.link, state: e.state });
    });
    await source.start();
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
