import type { LinkHealth, LinkState, LinkTransition } from "@wanpilot/common";
import type { KernelFacts } from "./kernel.js";
import type { LinkMachine, Transition } from "./machine.js";
import { linkStats, since, windowStats } from "./window.js";

/** Payload builders: the machine's view turned into the bus contract's messages. `iso` maps core time to wall time. */
export interface PayloadContext {
  link: string;
  interface: string;
  methods: Record<string, string>;
  windowMs: number;
  iso: (atMs: number) => string;
  /** The boot id and time since boot of core time (null: unknown). */
  boot?: { id: string; bootMsAt: (atMs: number) => number } | null;
}

function recentWindows(m: LinkMachine, windowMs: number, nowMs: number) {
  return Object.entries(m.windows).map(([target, w]) => ({ target, w: since(w, nowMs - windowMs) }));
}

export function linkStatePayload(
  c: PayloadContext,
  m: LinkMachine,
  facts: KernelFacts | undefined,
  nowMs: number,
): LinkState {
  const s = linkStats(recentWindows(m, c.windowMs, nowMs).map((x) => x.w));
  return {
    link: c.link,
    state: m.state,
    since: c.iso(m.sinceMs),
    cause: m.cause.slice(0, 500),
    interface: c.interface,
    source: facts?.view.source ?? null,
    gateway: facts?.gateway ?? null,
    prefixLength: facts?.prefixLength ?? null,
    carrier: facts?.view.carrier ?? false,
    rttMs: s.rttMs,
    lossRatio: s.samples === 0 ? null : s.lossRatio,
    at: c.iso(nowMs),
  };
}

export function linkHealthPayload(c: PayloadContext, m: LinkMachine, nowMs: number): LinkHealth {
  const recent = recentWindows(m, c.windowMs, nowMs);
  const s = linkStats(recent.map((x) => x.w));
  return {
    link: c.link,
    at: c.iso(nowMs),
    windowMs: c.windowMs,
    state: m.state,
    rtt: s.rtt,
    lossRatio: s.lossRatio,
    targets: recent.map(({ target, w }) => {
      const t = windowStats(w);
      return {
        target,
        method: c.methods[target] ?? "icmp",
        rtt: t.rtt,
        lossRatio: t.lossRatio,
        samples: t.samples,
      };
    }),
  };
}

export function transitionPayload(c: PayloadContext, t: Transition, id: string): LinkTransition {
  const at = { id, link: c.link, from: t.from, to: t.to, at: c.iso(t.atMs), cause: t.cause.slice(0, 500) };
  return c.boot ? { ...at, boot: c.boot.id, bootMs: c.boot.bootMsAt(t.atMs) } : at;
}
