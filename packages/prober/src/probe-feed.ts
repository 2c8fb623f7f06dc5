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
  type Trust,
} from "./core/ping-tracker.js";

/** Lateness (of our timer, or between ping printing a line and us reading it) that still counts as keeping up. */
const SLACK_MS = 30;

/**
 * Feeds probe outcomes to the core. ICMP targets: turns each one's ping events into outcomes as soon as a
 * probe's fate is known (its reply, or its timeout passing), sleeping until the next probe can time out.
 * Socket targets report their outcomes themselves (`onOutcome`). Each target's timeout is asked of the
 * core before every judgement (it adapts to the target's RTTs).
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
  /** How late this process last was: a timer firing after its time, or a line read after ping printed it. */
  #lagMs = 0;

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

  /**
   * A socket probe's outcome, known as it settled (the socket waited up to the ceiling): its RTT refines
   * the target's timeout, and a reply later than that timeout is a loss, as for ICMP.
   */
  onOutcome(outcome: ProbeOutcome): void {
    if (this.#stopped) return;
    const atMs = this.#now();
    const { target, rttMs } = outcome;
    if (rttMs === null) {
      this.#apply({ kind: "probe", atMs, outcome });
      return;
    }
    const timeoutMs = this.#timeoutOf(target);
    this.#apply({ kind: "rtt", atMs, target, rttMs });
    this.#apply({ kind: "probe", atMs, outcome: rttMs <= timeoutMs ? outcome : { ...outcome, rttMs: null } });
  }

  /** Starts tracking an ICMP target's probes from now. */
  track(key: string, intervalMs: number): void {
    this.#trackers.set(key, newPingTracker(key, intervalMs, this.#timeoutOf(key), this.#now()));
  }

  onPingEvent(key: string, e: PingEvent): void {
    const t = this.#trackers.get(key);
    if (t === undefined || this.#stopped) return;
    this.#lagMs = this.#now() - e.atMs;
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
      const d = pingDue({ ...t, timeoutMs: this.#timeoutOf(key) }, at, this.#trust(t, at));
      this.#trackers.set(key, d.tracker);
      for (const outcome of d.outcomes) this.#apply({ kind: "probe", atMs: at, outcome });
      nextMs = Math.min(nextMs, estimatedSentAt(d.tracker, d.tracker.nextSeq) + d.tracker.timeoutMs);
    }
    // At the next deadline; a judgement already waiting for ping to show it runs: look again in 20 ms
    // (its next line drains too).
    const wakeAtMs = nextMs > at ? nextMs + 1 : at + 20;
    // The timer only wakes us: the judgement waits one I/O turn, so replies that ping already wrote while
    // this process was busy are read (and count) before any probe is called lost.
    this.#timer = setTimeout(() => {
      this.#lagMs = this.#now() - wakeAtMs;
      this.#immediate = setImmediate(() => this.drain());
    }, wakeAtMs - this.#now());
  }

  /**
   * Judging by the clock is safe only while both this process and ping keep up: this process woke on
   * time and ping printed a line within about a round. Otherwise (a starved machine) a probe is lost
   * only once ping shows it read its socket after the probe's deadline.
   */
  #trust(t: PingTracker, atMs: number): Trust {
    if (this.#lagMs <= SLACK_MS && atMs - t.heardAtMs <= t.cadenceMs + SLACK_MS) return { clock: true };
    return { clock: false, maxWaitMs: Math.max(1000, 2 * t.intervalMs) };
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
  }
}
