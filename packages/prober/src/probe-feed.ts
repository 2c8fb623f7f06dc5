import type { MachineInput } from "./core/machine.js";
import type { ProbeOutcome } from "./core/params.js";
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
 * Feeds probe outcomes to the core. ICMP targets: turns each one's ping events into outcomes as soon as a
 * probe's fate is known (its reply, or its timeout passing), sleeping until the next probe can time out.
 * Socket targets report their outcomes themselves (`onOutcome`).
 */
export class ProbeFeed {
  readonly #trackers = new Map<string, PingTracker>();
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #apply: (input: MachineInput) => void;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(o: { intervalMs: number; now: () => number; apply: (input: MachineInput) => void }) {
    this.#intervalMs = o.intervalMs;
    this.#now = o.now;
    this.#apply = o.apply;
  }

  /** A socket probe's outcome, known as it settled. */
  onOutcome(outcome: ProbeOutcome): void {
    if (this.#stopped) return;
    this.#apply({ kind: "probe", atMs: this.#now(), outcome });
  }

  /** Starts tracking an ICMP target's probes from now. */
  track(key: string, intervalMs: number, timeoutMs: number): void {
    this.#trackers.set(key, newPingTracker(key, intervalMs, timeoutMs, this.#now()));
  }

  onPingEvent(key: string, e: PingEvent): void {
    const t = this.#trackers.get(key);
    if (t === undefined || this.#stopped) return;
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
      const d = pingDue(t, at);
      this.#trackers.set(key, d.tracker);
      for (const outcome of d.outcomes) this.#apply({ kind: "probe", atMs: at, outcome });
      nextMs = Math.min(nextMs, estimatedSentAt(d.tracker, d.tracker.nextSeq) + d.tracker.timeoutMs);
    }
    this.#timer = setTimeout(() => this.drain(), Math.max(2, nextMs - this.#now() + 1));
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
