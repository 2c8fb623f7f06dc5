import type { LinkStateName } from "@wanpilot/common";
import type { DecisionParams, ProbeOutcome } from "./params.js";
import { adaptiveTimeout, observeRtt, type RttEstimate } from "./rto.js";
import { lowerMedian, pushSample, type TargetWindow } from "./window.js";

/** Consecutive lost / answered probes of one target. */
export interface TargetRun {
  lost: number;
  answered: number;
  /** When the first probe of the current run was sent. */
  sinceMs: number;
}

/** What the kernel says about the link's interface. */
export interface KernelView {
  present: boolean;
  carrier: boolean;
  /** The source address probes leave from; null when the interface has none. */
  source: string | null;
}

export interface LinkMachine {
  state: LinkStateName;
  sinceMs: number;
  cause: string;
  kernel: KernelView;
  runs: Record<string, TargetRun>;
  windows: Record<string, TargetWindow>;
  /** The quality (degraded) decision only looks at samples sent from here on. */
  qualitySinceMs: number;
  /** Times of recent transitions to down, for flap damping. */
  downsAtMs: number[];
  /** Each target's RTT estimate, from which its timeout is derived (null before its first reply). */
  rtt: Record<string, RttEstimate | null>;
  /**
   * Since when the router's path for this link exists (its table's default route and its mark rule);
   * null while it does not. Probes sent without it fail or leave by another link: they are not judged.
   */
  pathSinceMs: number | null;
}

export type MachineInput =
  | { kind: "probe"; atMs: number; outcome: ProbeOutcome }
  | { kind: "kernel"; atMs: number; interface: string; view: KernelView }
  /** A reply measured this RTT (on time or late): it refines the target's timeout. */
  | { kind: "rtt"; atMs: number; target: string; rttMs: number }
  /** The link's path (the router's table and rules) appeared or went away. */
  | { kind: "path"; atMs: number; ready: boolean };

export interface Transition {
  from: LinkStateName;
  to: LinkStateName;
  atMs: number;
  cause: string;
}

export interface Step {
  machine: LinkMachine;
  transitions: Transition[];
}

export function initialMachine(p: DecisionParams, nowMs: number): LinkMachine {
  return {
    state: "unknown",
    sinceMs: nowMs,
    cause: "starting",
    kernel: { present: true, carrier: true, source: null },
    runs: Object.fromEntries(p.targets.map((t) => [t, { lost: 0, answered: 0, sinceMs: nowMs }])),
    windows: Object.fromEntries(p.targets.map((t) => [t, { samples: [] }])),
    qualitySinceMs: nowMs,
    downsAtMs: [],
    rtt: Object.fromEntries(p.targets.map((t) => [t, null])),
    pathSinceMs: null,
  };
}

/** After the path appears, losses wait this long before they may give a first verdict of down. */
export const PATH_SETTLE_MS = 2000;

/** The timeout a probe of `target` gets now. */
export function timeoutFor(p: DecisionParams, m: LinkMachine, target: string): number {
  return adaptiveTimeout(m.rtt[target] ?? null, p.timeout);
}

export function kernelOk(k: KernelView): boolean {
  return k.present && k.carrier && k.source !== null;
}

function kernelCause(k: KernelView, ifname: string): string {
  if (!k.present) return `interface ${ifname} gone`;
  if (!k.carrier) return `carrier lost on ${ifname}`;
  return `no address on ${ifname}`;
}

function moveTo(m: LinkMachine, to: LinkStateName, atMs: number, cause: string): Step {
  if (m.state === to) return { machine: m, transitions: [] };
  const downsAtMs = to === "down" ? [...m.downsAtMs, atMs] : m.downsAtMs;
  return {
    machine: { ...m, state: to, sinceMs: atMs, cause, downsAtMs },
    transitions: [{ from: m.state, to, atMs, cause }],
  };
}

/** The pure transition function: (params, machine, input) → new machine + transitions to publish. */
export function step(p: DecisionParams, m: LinkMachine, input: MachineInput): Step {
  switch (input.kind) {
    case "kernel":
      return onKernel(m, input);
    case "probe":
      return onProbe(p, m, input.atMs, input.outcome);
    case "rtt":
      return { machine: onRtt(m, input.target, input.rttMs), transitions: [] };
    case "path":
      return { machine: onPath(m, input.atMs, input.ready), transitions: [] };
  }
}

/** Frozen while down: replies straggling in from a failing link must not stretch the timeout that judges it. */
function onRtt(m: LinkMachine, target: string, rttMs: number): LinkMachine {
  if (m.state === "down" || !(target in m.rtt)) return m;
  return { ...m, rtt: { ...m.rtt, [target]: observeRtt(m.rtt[target] ?? null, rttMs) } };
}

/** A path that (re)appears starts every run afresh: what was probed without it says nothing about the link. */
function onPath(m: LinkMachine, atMs: number, ready: boolean): LinkMachine {
  if (!ready) return { ...m, pathSinceMs: null };
  if (m.pathSinceMs !== null) return m;
  return { ...m, pathSinceMs: atMs, runs: freshRuns(m, atMs) };
}

function freshRuns(m: LinkMachine, atMs: number): Record<string, TargetRun> {
  return Object.fromEntries(Object.keys(m.runs).map((t) => [t, { lost: 0, answered: 0, sinceMs: atMs }]));
}

function onKernel(m: LinkMachine, input: Extract<MachineInput, { kind: "kernel" }>): Step {
  const wasOk = kernelOk(m.kernel);
  const next = { ...m, kernel: input.view };
  if (!kernelOk(input.view))
    return moveTo(next, "down", input.atMs, kernelCause(input.view, input.interface));
  if (wasOk) return { machine: next, transitions: [] };
  // Back from carrier loss: earlier answers say nothing about the link now; it earns its way back up.
  return { machine: { ...next, runs: freshRuns(m, input.atMs) }, transitions: [] };
}

function onProbe(p: DecisionParams, m: LinkMachine, atMs: number, o: ProbeOutcome): Step {
  const run = m.runs[o.target];
  const window = m.windows[o.target];
  if (run === undefined || window === undefined) return { machine: m, transitions: [] };
  // Not judged: sent before the router had installed the link's path (at start, or while it is missing).
  if (m.pathSinceMs === null || o.sentAtMs < m.pathSinceMs) return { machine: m, transitions: [] };
  // Nor a loss right after the path appeared, before any verdict: the router's table and rule come
  // first, the marks and filters that let replies back in a moment later.
  if (o.rttMs === null && m.state === "unknown" && o.sentAtMs < m.pathSinceMs + PATH_SETTLE_MS)
    return { machine: m, transitions: [] };
  const nextRun =
    o.rttMs === null
      ? { lost: run.lost + 1, answered: 0, sinceMs: run.lost > 0 ? run.sinceMs : o.sentAtMs }
      : { lost: 0, answered: run.answered + 1, sinceMs: run.answered > 0 ? run.sinceMs : o.sentAtMs };
  const next: LinkMachine = {
    ...m,
    runs: { ...m.runs, [o.target]: nextRun },
    windows: { ...m.windows, [o.target]: pushSample(window, o, p.windowMs, atMs) },
    downsAtMs: m.downsAtMs.filter((t) => t > atMs - p.damping.windowMs),
  };
  if (!kernelOk(next.kernel)) return { machine: next, transitions: [] };
  if (next.state === "down") return recover(p, next, atMs);
  const silent = silentTargets(p, next);
  if (p.targets.length - silent < p.reliability) return moveTo(next, "down", atMs, downCause(p, silent));
  if (next.state === "unknown") return firstVerdict(p, next, atMs);
  return judgeQuality(p, next, atMs);
}

function silentTargets(p: DecisionParams, m: LinkMachine): number {
  return Object.values(m.runs).filter((r) => r.lost >= p.down).length;
}

function downCause(p: DecisionParams, silent: number): string {
  const need = p.reliability > 1 ? ` (${p.reliability} must answer)` : "";
  return `no reply from ${silent}/${p.targets.length} targets for ${p.down} rounds${need}`;
}

function firstVerdict(p: DecisionParams, m: LinkMachine, atMs: number): Step {
  const answering = Object.values(m.runs).filter((r) => r.answered > 0).length;
  if (answering < p.reliability) return { machine: m, transitions: [] };
  return moveTo(
    { ...m, qualitySinceMs: atMs },
    "up",
    atMs,
    `answering at start (${answering}/${p.targets.length} targets replied)`,
  );
}

/** Good rounds needed to come back: more while the link is flapping. */
export function upNeeded(p: DecisionParams, m: LinkMachine): { rounds: number; damped: boolean } {
  const damped = m.downsAtMs.length >= p.damping.downs;
  return { rounds: damped ? p.up * p.damping.factor : p.up, damped };
}

function recover(p: DecisionParams, m: LinkMachine, atMs: number): Step {
  const need = upNeeded(p, m);
  const recovered = Object.values(m.runs).filter((r) => r.answered >= need.rounds);
  if (recovered.length < p.reliability) return { machine: m, transitions: [] };
  const damping = need.damped
    ? ` (flap damping: ${m.downsAtMs.length} downs within ${Math.round(p.damping.windowMs / 1000)} s)`
    : "";
  // Judge quality on the good run only: the outage's losses say nothing about the link now.
  const qualitySinceMs = Math.min(...recovered.map((r) => r.sinceMs));
  const up = moveTo(
    { ...m, qualitySinceMs },
    "up",
    atMs,
    `recovered after ${need.rounds} good rounds${damping}`,
  );
  const judged = judgeQuality(p, up.machine, atMs);
  return { machine: judged.machine, transitions: [...up.transitions, ...judged.transitions] };
}

/** Enough samples per target before loss or RTT may move the link between up and degraded. */
export function minQualitySamples(p: DecisionParams): number {
  return Math.max(1, Math.min(6, Math.floor(p.windowMs / p.intervalMs)));
}

function judgeQuality(p: DecisionParams, m: LinkMachine, atMs: number): Step {
  const q = quality(p, m);
  if (q === undefined) return { machine: m, transitions: [] };
  const d = p.degraded;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const ms = (x: number) => `${Math.round(x)}ms`;
  if (m.state === "up") {
    if (q.lossRatio > d.lossRatio)
      return moveTo(m, "degraded", atMs, `loss ${pct(q.lossRatio)} over ${pct(d.lossRatio)} threshold`);
    if (q.rttMs !== null && q.rttMs > d.rttMs)
      return moveTo(m, "degraded", atMs, `rtt ${ms(q.rttMs)} over ${ms(d.rttMs)} threshold`);
    return { machine: m, transitions: [] };
  }
  if (q.lossRatio < d.recoverLossRatio && (q.rttMs === null || q.rttMs < d.recoverRttMs)) {
    const rtt = q.rttMs === null ? "" : `, rtt ${ms(q.rttMs)} under ${ms(d.recoverRttMs)}`;
    return moveTo(
      m,
      "up",
      atMs,
      `quality recovered: loss ${pct(q.lossRatio)} under ${pct(d.recoverLossRatio)}${rtt}`,
    );
  }
  return { machine: m, transitions: [] };
}

/** Loss and RTT over the quality window, or undefined while too few samples. */
export function quality(
  p: DecisionParams,
  m: LinkMachine,
): { lossRatio: number; rttMs: number | null } | undefined {
  const min = minQualitySamples(p);
  const losses: number[] = [];
  const rtts: number[] = [];
  for (const target in m.windows) {
    const w = m.windows[target];
    if (w === undefined) continue;
    const { n, answered, rttSum } = counts(w, m.qualitySinceMs);
    // Every target must have spoken: judging on the first target to report would let one odd target decide.
    if (n < min) return undefined;
    losses.push((n - answered) / n);
    if (answered > 0) rtts.push(rttSum / answered);
  }
  const lossRatio = lowerMedian(losses);
  return lossRatio === null ? undefined : { lossRatio, rttMs: lowerMedian(rtts) };
}

interface WindowCounts {
  sinceMs: number;
  n: number;
  answered: number;
  rttSum: number;
}

// quality() runs on every probe outcome, and an outcome replaces one target's window only: the other
// targets' (unchanged objects) are counted once, not again with each outcome. Invisible to callers.
const counted = new WeakMap<TargetWindow, WindowCounts>();

/** A window's samples sent from `sinceMs` on: how many, how many answered, their RTTs' sum. */
function counts(w: TargetWindow, sinceMs: number): WindowCounts {
  const known = counted.get(w);
  if (known?.sinceMs === sinceMs) return known;
  const c: WindowCounts = { sinceMs, n: 0, answered: 0, rttSum: 0 };
  // An index loop: the parts run V8's interpreter only (lite mode), where for-of costs twice as much.
  const samples = w.samples;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    if (s === undefined || s.sentAtMs < sinceMs) continue;
    c.n++;
    if (s.rttMs !== null) {
      c.answered++;
      c.rttSum += s.rttMs;
    }
  }
  counted.set(w, c);
  return c;
}
