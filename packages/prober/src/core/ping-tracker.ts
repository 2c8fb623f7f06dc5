import type { ProbeOutcome } from "./params.js";

/**
 * Turns one long-running `ping`'s replies into per-probe outcomes, in sequence order. A probe with no
 * reply is lost once its (estimated) send time plus the timeout has passed, so a silent or dead ping
 * process reads as loss without waiting for it to say so.
 */
export interface PingTracker {
  target: string;
  timeoutMs: number;
  intervalMs: number;
  /** Measured time between two sends (iputils rounds `-i` up to timer ticks: 300 ms → ~312 ms). */
  cadenceMs: number;
  /** The last send we know the time of: from a reply (received − rtt) or a "no answer yet" line. */
  ref: { seq: number; sentAtMs: number };
  /** Every sequence number below this has been reported. */
  nextSeq: number;
  /** Replies received ahead of earlier, still open sequence numbers. */
  answered: Record<number, number>;
  /** The latest time ping is known to have been running: the stamp of its latest line. */
  heardAtMs: number;
}

export type PingEvent =
  | { kind: "reply"; seq: number; rttMs: number; atMs: number }
  | { kind: "noAnswer"; seq: number; atMs: number }
  | { kind: "error"; seq: number; atMs: number };

export function newPingTracker(
  target: string,
  intervalMs: number,
  timeoutMs: number,
  nowMs: number,
): PingTracker {
  return {
    target,
    timeoutMs,
    intervalMs,
    cadenceMs: intervalMs,
    ref: { seq: 1, sentAtMs: nowMs },
    nextSeq: 1,
    answered: {},
    heardAtMs: nowMs,
  };
}

/** ping prints 16-bit sequence numbers; map one back next to the sequence we expect. */
export function unwrapSeq(raw: number, nextSeq: number): number {
  let s = nextSeq - (nextSeq % 65536) + raw;
  if (s < nextSeq - 32768) s += 65536;
  if (s > nextSeq + 32768) s -= 65536;
  return s;
}

export function estimatedSentAt(t: PingTracker, seq: number): number {
  return t.ref.sentAtMs + (seq - t.ref.seq) * t.cadenceMs;
}

/** Applies one parsed ping line. */
export function pingEvent(t0: PingTracker, e: PingEvent): PingTracker {
  const t = { ...t0, heardAtMs: Math.max(t0.heardAtMs, e.atMs) };
  const seq = unwrapSeq(e.seq, t.nextSeq);
  if (seq < t.nextSeq) return e.kind === "reply" ? reanchored(t, seq, e.atMs - e.rttMs) : t;
  if (e.kind === "noAnswer") return { ...t, ref: { seq: seq + 1, sentAtMs: e.atMs } };
  // An error reply (unreachable, ...) is an answer that says the probe is lost: rtt beyond any timeout.
  const rttMs = e.kind === "error" ? Number.POSITIVE_INFINITY : e.rttMs;
  const sentAtMs = e.kind === "error" ? estimatedSentAt(t, seq) : e.atMs - e.rttMs;
  const cadenceMs = learnCadence(t, seq, sentAtMs);
  const ref = e.kind === "reply" ? { seq, sentAtMs } : t.ref;
  return { ...t, cadenceMs, ref, answered: { ...t.answered, [seq]: rttMs } };
}

/**
 * A reply to a probe already settled as lost (ping sent it later than estimated): too late to count, but
 * the next estimates start from its real send time. Without this, one estimate running ahead of ping
 * (iputils sends every ~30.7 s at `-i 30`) makes every later one run further ahead, all read as lost.
 */
function reanchored(t: PingTracker, seq: number, sentAtMs: number): PingTracker {
  if (seq <= t.ref.seq) return t;
  return { ...t, cadenceMs: learnCadence(t, seq, sentAtMs), ref: { seq, sentAtMs } };
}

function learnCadence(t: PingTracker, seq: number, sentAtMs: number): number {
  if (seq <= t.ref.seq) return t.cadenceMs;
  const observed = (sentAtMs - t.ref.sentAtMs) / (seq - t.ref.seq);
  const clamped = Math.min(Math.max(observed, t.intervalMs), t.intervalMs * 1.5);
  return t.cadenceMs * 0.8 + clamped * 0.2;
}

/**
 * How sure the caller is that ping's replies up to now have been read. `clock`: the prober and ping are
 * keeping up, so a probe is lost once its timeout has passed on the clock. Otherwise (the prober woke
 * late, or ping has been silent for longer than a round) a probe is lost only once ping has printed a
 * line stamped after the probe's deadline (it had read its socket by then), or `maxWaitMs` after the
 * deadline in any case (a hung ping still reads as loss).
 */
export type Trust = { clock: true } | { clock: false; maxWaitMs: number };

/** Reports every probe whose fate is known at `nowMs`, oldest first. */
export function pingDue(
  t: PingTracker,
  nowMs: number,
  trust: Trust = { clock: true },
): { tracker: PingTracker; outcomes: ProbeOutcome[] } {
  const outcomes: ProbeOutcome[] = [];
  const answered = { ...t.answered };
  let seq = t.nextSeq;
  // Bounded: at most one window's worth of probes per call even after a long stall.
  for (let i = 0; i < 10_000; i++, seq++) {
    const sentAtMs = estimatedSentAt(t, seq);
    const rtt = answered[seq];
    if (rtt !== undefined) {
      delete answered[seq];
      outcomes.push({ target: t.target, sentAtMs, rttMs: rtt <= t.timeoutMs ? rtt : null });
    } else if (isLost(t, sentAtMs + t.timeoutMs, nowMs, trust)) {
      outcomes.push({ target: t.target, sentAtMs, rttMs: null });
    } else break;
  }
  return { tracker: { ...t, nextSeq: seq, answered }, outcomes };
}

function isLost(t: PingTracker, deadlineMs: number, nowMs: number, trust: Trust): boolean {
  if (deadlineMs > nowMs) return false;
  if (trust.clock) return true;
  return t.heardAtMs >= deadlineMs || nowMs >= deadlineMs + trust.maxWaitMs;
}

/** A new ping process starts counting at 1 again; open probes of the old one are resolved first. */
export function pingRestarted(
  t: PingTracker,
  nowMs: number,
): { tracker: PingTracker; outcomes: ProbeOutcome[] } {
  const due = pingDue({ ...t, timeoutMs: 0 }, nowMs);
  return {
    tracker: { ...t, ref: { seq: 1, sentAtMs: nowMs }, nextSeq: 1, answered: {}, heardAtMs: nowMs },
    outcomes: due.outcomes,
  };
}

// The peer may be IPv6 (colons): up to the last ": " before icmp_seq.
const REPLY_RE = /bytes from \S+: icmp_seq=(\d+) .*time=([\d.]+) ms/;
const NO_ANSWER_RE = /no answer yet for icmp_seq=(\d+)/;
const ERROR_RE = /^(?:\[[\d.]+\] )?From [^ ]+ icmp_seq=(\d+) /;
const STAMP_RE = /^\[(\d+(?:\.\d+)?)\] /;

/** A stamp after the read or seconds before it means the wall clock stepped: the read time is used. */
const STAMP_TRUST_MS = 5000;

function stampedAt(line: string, readAtMs: number, fromEpochMs?: (epochMs: number) => number): number {
  const stamp = fromEpochMs === undefined ? null : STAMP_RE.exec(line);
  if (stamp === null || fromEpochMs === undefined) return readAtMs;
  const at = fromEpochMs(Number(stamp[1]) * 1000);
  return at <= readAtMs && at > readAtMs - STAMP_TRUST_MS ? at : readAtMs;
}

/**
 * Parses one line of `ping -D -O` output; undefined for lines that are not about a probe. `readAtMs` is when
 * the line was read; with `fromEpochMs`, a line's `-D` stamp (when ping printed it, right after the kernel
 * handed it the reply) is used instead, so a prober that reads late does not make a reply look late.
 */
export function parsePingLine(
  line: string,
  readAtMs: number,
  fromEpochMs?: (epochMs: number) => number,
): PingEvent | undefined {
  const atMs = stampedAt(line, readAtMs, fromEpochMs);
  const r = REPLY_RE.exec(line);
  if (r) return { kind: "reply", seq: Number(r[1]), rttMs: Number(r[2]), atMs };
  const n = NO_ANSWER_RE.exec(line);
  if (n) return { kind: "noAnswer", seq: Number(n[1]), atMs };
  const e = ERROR_RE.exec(line);
  if (e) return { kind: "error", seq: Number(e[1]), atMs };
  return undefined;
}
