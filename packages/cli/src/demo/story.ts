import type { StatusView } from "../status/view.js";

/** What the demo does to the simulated ISPs. */
export type DemoAction =
  | { kind: "cut"; isp: number }
  | { kind: "restore"; isp: number }
  | { kind: "loss"; isp: number; percent: number }
  | { kind: "clearLoss"; isp: number };

export interface DemoStep {
  say: string;
  action: DemoAction;
  /** The state the story waits for, on link `isp`. */
  expect: { isp: number; state: "up" | "degraded" | "down" };
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

/** One line a person reads while the demo waits: `isp1 DOWN · isp2 UP 3ms · isp3 UP 2ms`. */
export function tickerLine(view: StatusView): string {
  return view.links
    .map(
      (l) =>
        `${l.name} ${l.state.toUpperCase()}${l.rttMs === null || l.state === "down" ? "" : ` ${l.rttMs.toFixed(1)}ms`}${l.active ? "" : " (idle)"}`,
    )
    .join(" · ");
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
