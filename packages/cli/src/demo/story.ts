import { ipv6History } from "@wanpilot/common";
import type { StatusView } from "../status/view.js";

/** What the demo does to the simulated ISPs. */
export type DemoAction =
  | { kind: "cut"; isp: number; family?: "ipv4" | "ipv6" }
  | { kind: "restore"; isp: number }
  | { kind: "loss"; isp: number; percent: number }
  | { kind: "clearLoss"; isp: number };

export interface DemoStep {
  say: string;
  action: DemoAction;
  /** The state the story waits for, on link `isp` (its IPv6 state with `family: "ipv6"`). */
  expect: { isp: number; state: "up" | "degraded" | "down"; family?: "ipv6" };
  /** Also check: how many LAN streams on the *other* ISPs survived. */
  checkStreams: boolean;
}

export interface DemoProfile {
  name: "fast" | "full";
  weights: number[];
  probe: Record<string, unknown>;
  /** How long each step may take before the demo gives up on it. */
  stepTimeoutMs: number;
  /** Pause after each step so a person can read the status. */
  dwellMs: number;
  flows: number;
}

export const PROFILES: Record<DemoProfile["name"], DemoProfile> = {
  // CI runs this one: fast probing and a short quality window, so the whole story takes well under a minute.
  fast: {
    name: "fast",
    weights: [1, 2, 3],
    probe: { interval: "200ms", timeout: "500ms", down: 3, up: 5, window: "2s" },
    stepTimeoutMs: 20_000,
    dwellMs: 500,
    flows: 60,
  },
  // Shipped defaults, with time to watch.
  full: { name: "full", weights: [1, 2, 3], probe: {}, stepTimeoutMs: 60_000, dwellMs: 4000, flows: 120 },
};

/** The story: an upstream dies behind its live modem, another ISP turns lossy, the first comes back, loss clears. */
export const STORY: DemoStep[] = [
  {
    say: "isp1's upstream dies: its modem still answers ping, but nothing behind it does",
    action: { kind: "cut", isp: 0 },
    expect: { isp: 0, state: "down" },
    checkStreams: true,
  },
  {
    say: "isp2 starts losing 30% of its packets",
    action: { kind: "loss", isp: 1, percent: 30 },
    expect: { isp: 1, state: "degraded" },
    checkStreams: false,
  },
  {
    say: "isp1's upstream comes back",
    action: { kind: "restore", isp: 0 },
    expect: { isp: 0, state: "up" },
    checkStreams: true,
  },
  {
    say: "isp2's loss clears",
    action: { kind: "clearLoss", isp: 1 },
    expect: { isp: 1, state: "up" },
    checkStreams: false,
  },
];

/**
 * With IPv6 in the lab: each ISP's IPv6 dies behind its live modem while its IPv4 works (a common ISP
 * fault), then comes back. Only IPv6 moves.
 */
export const STORY6: DemoStep[] = [
  {
    say: "isp3's IPv6 dies behind its modem; its IPv4 keeps working",
    action: { kind: "cut", isp: 2, family: "ipv6" },
    expect: { isp: 2, state: "down", family: "ipv6" },
    checkStreams: true,
  },
  {
    say: "isp3's IPv6 comes back",
    action: { kind: "restore", isp: 2 },
    expect: { isp: 2, state: "up", family: "ipv6" },
    checkStreams: false,
  },
];

/** The story for a lab with or without IPv6. */
export function storyFor(ipv6: boolean): DemoStep[] {
  return ipv6 ? [...STORY, ...STORY6] : STORY;
}

/** The histories the story takes down, as the logger names them (`isp3/ipv6` for an IPv6-only fault). */
export function storyOutages(story: readonly DemoStep[], names: readonly string[]): string[] {
  const down = story
    .filter((s) => s.expect.state === "down")
    .map((s) => {
      const name = names[s.expect.isp] ?? `isp${s.expect.isp + 1}`;
      return s.expect.family === "ipv6" ? ipv6History(name) : name;
    });
  return [...new Set(down)];
}

/** One line a person reads while the demo waits: `isp1 DOWN · isp2 UP 3ms · isp3 UP 2ms, v6 DOWN`. */
export function tickerLine(view: StatusView): string {
  const figure = (state: string, rttMs: number | null) =>
    `${state.toUpperCase()}${rttMs === null || state === "down" ? "" : ` ${rttMs.toFixed(1)}ms`}`;
  return view.links
    .map(
      (l) =>
        `${l.name} ${figure(l.state, l.rttMs)}${l.active ? "" : " (idle)"}${l.ipv6 === undefined ? "" : `, v6 ${figure(l.ipv6.state, l.ipv6.rttMs)}`}`,
    )
    .join(" · ");
}

/** The state a step waits for, of its family. */
export function stepState(view: StatusView, isp: string, family: "ipv6" | undefined): string | undefined {
  const link = view.links.find((l) => l.name === isp);
  return family === "ipv6" ? link?.ipv6?.state : link?.state;
}

/** "isp1 12 (20%, weight 1) · …" for flows per ISP against the weights. */
export function shareLine(
  byIsp: Readonly<Record<string, number>>,
  names: string[],
  weights: number[],
): string {
  const total = Object.values(byIsp).reduce((a, b) => a + b, 0) || 1;
  const weightSum = weights.reduce((a, b) => a + b, 0) || 1;
  return names
    .map((n, i) => {
      const got = byIsp[n] ?? 0;
      return `${n} ${got} (${Math.round((got / total) * 100)}%, ideal ${Math.round(((weights[i] ?? 0) / weightSum) * 100)}%)`;
    })
    .join(" · ");
}
