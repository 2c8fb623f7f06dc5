import type { MachineInput } from "./core/machine.js";
import {
  estimatedSentAt,
  newPingTracker,
  type PingEvent,
  type PingTracker,
  pingDue,
  pingEvent,
  pingRestarted,
} from "./core/ping-tracker.js";

/**
 * Turns each target's ping events into probe outcomes for the core as soon as a probe's fate is known
 * (its reply, or its timeout passing), sleeping until the next probe can time out. Each target's timeout
 * is asked of the core before every judgement (it adapts to the target's RTTs).
 */
export class ProbeFeed {
  readonly #trackers = new Map<string, PingTracker>();
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #apply: (input: MachineInput) => void;
  readonly #timeoutOf: (key: string) => number;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #stopped = false;

  constructor(o: {
    intervalMs: number;
    now: () => number;
    apply: (input: MachineInput) => void;
    timeoutOf: (key: string) => number;
  }) {
    this.#intervalMs = o.intervalMs;
    this.#now = o.now;
    this.#apply = o.apply;
    this.#timeoutOf = o.timeoutOf;
  }

  /** Starts tracking a target's probes from now. */
  track(key: string, intervalMs: number): void {
    this.#trackers.set(key, newPingTracker(key, intervalMs, this.#timeoutOf(key), this.#now()));
  }

  onPingEvent(key: string, e: PingEvent): void {
    const t = this.#trackers.get(key);
    if (t === undefined || this.#stopped) return;
    // Every reply, late ones too, tells the core the target's RTT now.
    if (e.kind === "reply") this.#apply({ kind: "rtt", atMs: e.atMs, target: key, rttMs: e.rttMs });
    this.#trackers.set(key, pingEvent(t, e));
    this.drain();
  }

  /** The target's pinger restarted at `atMs`: what it had in flight is settled now. */
  onRestart(key: string, atMs: number): void {
    const t = this.#trackers.get(key);
    if (t === undefined) return;
    const r = pingRestarted(t, atMs);
    this.#trackers.set(key, r.tracker);
    for (const outcome of r.outcomes) this.#apply({ kind: "probe", atMs, outcome });
  }

  /** Feeds every probe whose fate is known to the core, then sleeps until the next one can time out. */
  drain(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const at = this.#now();
    let nextMs = at + this.#intervalMs;
    for (const [key, t] of this.#trackers) {
      const d = pingDue({ ...t, timeoutMs: this.#timeoutOf(key) }, at);
      this.#trackers.set(key, d.tracker);
      for (const outcome of d.outcomes) this.#apply({ kind: "probe", atMs: at, outcome });
      nextMs = Math.min(nextMs, estimatedSentAt(d.tracker, d.tracker.nextSeq) + d.tracker.timeoutMs);
    }
    // The timer only wakes us: the judgement waits one I/O turn, so replies that ping already wrote while
    // this process was busy are read (and count) before any probe is called lost.
    this.#timer = setTimeout(
      () => {
        this.#immediate = setImmediate(() => this.drain());
      },
      Math.max(2, nextMs - this.#now() + 1),
    );
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
  }
}
