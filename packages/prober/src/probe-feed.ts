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

/** How much later than `-i` iputils' ping really sends (30 s → 30.65–30.72 s in the lab). */
const PING_SLOWER = 1.025;

/**
 * Feeds probe outcomes to the core. ICMP targets: turns each one's ping events into outcomes as soon as a
 * probe's fate is known (its reply, or its timeout passing), sleeping until the next probe can time out.
 * Socket targets report their outcomes themselves (`onOutcome`). Each target's timeout is asked of the
 * core before every judgement (it adapts to the target's RTTs).
 */
export class ProbeFeed {
  readonly #trackers = new Map<string, PingTracker>();
  /** Targets being retimed: their prober was stopped on purpose and restarts at this interval. */
  readonly #retiming = new Map<string, number>();
  #intervalMs: number;
  readonly #now: () => number;
  readonly #apply: (input: MachineInput) => void;
  readonly #timeoutOf: (key: string) => number;
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires. */
  #wakeAtMs = 0;
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
    // While retiming, lines are the stopped process's last words about probes already settled.
    if (t === undefined || this.#stopped || this.#retiming.has(key)) return;
    this.#lagMs = this.#now() - e.atMs;
    // Every reply, late ones too, tells the core the target's RTT now.
    if (e.kind === "reply") this.#apply({ kind: "rtt", atMs: e.atMs, target: key, rttMs: e.rttMs });
    this.#trackers.set(key, pingEvent(t, e));
    // A line says something about its own target only: the others' deadlines stand, and the timer has them.
    const at = this.#now();
    this.#judge(key, at);
    this.#arm(at);
  }

  /**
   * The target's prober is about to be restarted at another interval: what is known now is reported; the
   * probes still in flight are dropped, not counted as lost (their process is stopped by us, which says
   * nothing about the link), and nothing is counted until the new sequence starts (`onRestart`).
   */
  retime(key: string, intervalMs: number): void {
    const t = this.#trackers.get(key);
    if (t === undefined || this.#stopped) return;
    const at = this.#now();
    const d = pingDue({ ...t, timeoutMs: this.#timeoutOf(key) }, at, this.#trust(t, at));
    this.#trackers.set(key, d.tracker);
    this.#retiming.set(key, intervalMs);
    this.#intervalMs = intervalMs;
    for (const outcome of d.outcomes) this.#apply({ kind: "probe", atMs: at, outcome });
  }

  /** The target's pinger restarted at `atMs`: what it had in flight is settled now. */
  onRestart(key: string, atMs: number): void {
    const t = this.#trackers.get(key);
    if (t === undefined) return;
    const retimed = this.#retiming.get(key);
    if (retimed !== undefined) {
      this.#retiming.delete(key);
      // iputils sends later than asked (measured: 300 ms → ~312, 30 s → ~30.7 s): at 30 s the gap nearly equals
      // the timeout, so the first estimate starts from the measured cadence (the tracker learns it from there).
      const tracker = newPingTracker(key, retimed, this.#timeoutOf(key), atMs);
      this.#trackers.set(key, { ...tracker, cadenceMs: retimed * PING_SLOWER });
      return;
    }
    const r = pingRestarted(t, atMs);
    this.#trackers.set(key, r.tracker);
    for (const outcome of r.outcomes) this.#apply({ kind: "probe", atMs, outcome });
  }

  /** Feeds every probe whose fate is known to the core, then sleeps until the next one can time out. */
  drain(): void {
    if (this.#stopped) return;
    const at = this.#now();
    for (const key of this.#trackers.keys()) this.#judge(key, at);
    this.#arm(at);
  }

  /** Feeds the target's probes whose fate is known to the core. */
  #judge(key: string, at: number): void {
    const t = this.#trackers.get(key);
    if (t === undefined || this.#retiming.has(key)) return;
    const d = pingDue({ ...t, timeoutMs: this.#timeoutOf(key) }, at, this.#trust(t, at));
    this.#trackers.set(key, d.tracker);
    for (const outcome of d.outcomes) this.#apply({ kind: "probe", atMs: at, outcome });
  }

  /**
   * Wakes at the next deadline; a judgement already waiting for ping to show it runs: look again in 20 ms
   * (its next line judges too). A timer already armed earlier stays: Node cannot move a timer later without
   * waking at the earlier time anyway, so re-arming on every line (a reply moves its target's deadline a
   * round later) only cost work; the early wake judges every target and arms the next deadline.
   */
  #arm(at: number): void {
    if (this.#stopped || this.#immediate !== undefined) return;
    // Each target's next deadline: when its oldest open probe's timeout (as last judged) passes.
    let nextMs = at + this.#intervalMs;
    for (const [key, t] of this.#trackers)
      if (!this.#retiming.has(key)) nextMs = Math.min(nextMs, estimatedSentAt(t, t.nextSeq) + t.timeoutMs);
    const wakeAtMs = nextMs > at ? nextMs + 1 : at + 20;
    if (this.#timer !== undefined && this.#wakeAtMs <= wakeAtMs) return;
    clearTimeout(this.#timer);
    this.#wakeAtMs = wakeAtMs;
    // The timer only wakes us: the judgement waits one I/O turn, so replies that ping already wrote while
    // this process was busy are read (and count) before any probe is called lost.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#lagMs = this.#now() - wakeAtMs;
      this.#immediate = setImmediate(() => {
        this.#immediate = undefined;
        this.drain();
      });
    }, wakeAtMs - this.#now());
  }

  /**
   * Judging by the clock is safe only while both this process and ping keep up: this process woke on
   * time and ping printed a line within about a round. Otherwise (a starved machine) a probe is lost
   * only once ping shows it read its socket after the probe's deadline, or after a wait of 1 s (2 rounds
   * at slow rates, at most 5 s: at the standby rate ping's next line comes only with the next probe).
   */
  #trust(t: PingTracker, atMs: number): Trust {
    if (this.#lagMs <= SLACK_MS && atMs - t.heardAtMs <= t.cadenceMs + SLACK_MS) return { clock: true };
    return { clock: false, maxWaitMs: Math.max(1000, Math.min(2 * t.intervalMs, 5000)) };
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
  }
}
