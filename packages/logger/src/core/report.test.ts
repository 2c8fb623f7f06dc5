import type { LinkStateName } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import type { DisabledSpan } from "./operations.js";
import { buildReport, type LinkReport, linkReport, type TransitionRecord } from "./report.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;

let seq = 0;
/** A transition of link "a" at `atMs`, into `to`. */
function tr(atMs: number, to: LinkStateName, cause = `to ${to}`, link = "a"): TransitionRecord {
  seq += 1;
  return { id: `evt-${String(seq).padStart(6, "0")}`, link, from: "unknown", to, atMs, cause };
}

type Expected = Partial<Omit<LinkReport, "outages">> & {
  outages?: Array<{ startMs: number; endMs: number | null; durationMs: number; cause?: string }>;
};

// One hour of history starting at 0 unless a row says otherwise.
const rows: Array<{
  name: string;
  history: TransitionRecord[];
  /** Spans an operator had the link disabled. */
  disabled?: DisabledSpan[];
  since: number;
  until: number;
  expected: Expected;
}> = [
  {
    name: "no history: everything unknown, availability null",
    history: [],
    since: 0,
    until: H,
    expected: { availability: null, unknownMs: H, downMs: 0, outages: [], mtbfMs: null, mttrMs: null },
  },
  {
    name: "up the whole window",
    history: [tr(0, "up")],
    since: 0,
    until: H,
    expected: { availability: 1, upMs: H, unknownMs: 0, outages: [], failures: 0, mtbfMs: null },
  },
  {
    name: "time before the first transition is unknown and not counted",
    history: [tr(30 * M, "up"), tr(45 * M, "down", "all targets lost")],
    since: 0,
    until: H,
    expected: {
      unknownMs: 30 * M,
      upMs: 15 * M,
      downMs: 15 * M,
      availability: 0.5,
      outages: [{ startMs: 45 * M, endMs: null, durationMs: 15 * M, cause: "all targets lost" }],
    },
  },
  {
    name: "one closed outage inside the window",
    history: [tr(0, "up"), tr(10 * M, "down", "carrier lost"), tr(16 * M, "up")],
    since: 0,
    until: H,
    expected: {
      availability: 54 / 60,
      downMs: 6 * M,
      failures: 1,
      longestOutageMs: 6 * M,
      mtbfMs: 54 * M,
      mttrMs: 6 * M,
      outages: [{ startMs: 10 * M, endMs: 16 * M, durationMs: 6 * M, cause: "carrier lost" }],
    },
  },
  {
    name: "ongoing outage: end null, counted up to `until`",
    history: [tr(0, "up"), tr(50 * M, "down")],
    since: 0,
    until: H,
    expected: { downMs: 10 * M, outages: [{ startMs: 50 * M, endMs: null, durationMs: 10 * M }] },
  },
  {
    name: "since cuts an outage in two: real start kept, only the part inside counted, not a failure",
    history: [tr(0, "up"), tr(20 * M, "down"), tr(40 * M, "up")],
    since: 30 * M,
    until: H,
    expected: {
      downMs: 10 * M,
      upMs: 20 * M,
      failures: 0,
      mtbfMs: null,
      mttrMs: 10 * M,
      outages: [{ startMs: 20 * M, endMs: 40 * M, durationMs: 10 * M }],
    },
  },
  {
    name: "until cuts an outage: its later recovery is still reported as its end",
    history: [tr(0, "up"), tr(20 * M, "down"), tr(40 * M, "up")],
    since: 0,
    until: 30 * M,
    expected: {
      downMs: 10 * M,
      failures: 1,
      outages: [{ startMs: 20 * M, endMs: 40 * M, durationMs: 10 * M }],
    },
  },
  {
    name: "degraded counts as available and is reported apart",
    history: [tr(0, "up"), tr(10 * M, "degraded"), tr(25 * M, "up")],
    since: 0,
    until: H,
    expected: { availability: 1, degradedMs: 15 * M, upMs: 45 * M, outages: [] },
  },
  {
    name: "unknown in the middle (prober restart) is left out of the ratio",
    history: [tr(0, "up"), tr(20 * M, "unknown"), tr(30 * M, "down"), tr(40 * M, "up")],
    since: 0,
    until: H,
    expected: { unknownMs: 10 * M, downMs: 10 * M, availability: 40 / 50 },
  },
  {
    name: "down → down (a restarted prober re-reporting) stays one outage with the first cause",
    history: [tr(0, "up"), tr(10 * M, "down", "first"), tr(15 * M, "down", "again"), tr(20 * M, "up")],
    since: 0,
    until: H,
    expected: { outages: [{ startMs: 10 * M, endMs: 20 * M, durationMs: 10 * M, cause: "first" }] },
  },
  {
    name: "several outages: longest, MTBF and MTTR",
    history: [tr(0, "up"), tr(10 * M, "down"), tr(12 * M, "up"), tr(30 * M, "down"), tr(36 * M, "up")],
    since: 0,
    until: H,
    expected: { downMs: 8 * M, failures: 2, longestOutageMs: 6 * M, mtbfMs: 26 * M, mttrMs: 4 * M },
  },
  {
    name: "history out of order is sorted by time",
    history: [tr(16 * M, "up"), tr(0, "up"), tr(10 * M, "down")],
    since: 0,
    until: H,
    expected: { downMs: 6 * M, outages: [{ startMs: 10 * M, endMs: 16 * M, durationMs: 6 * M }] },
  },
  {
    name: "transitions after the window do not change it",
    history: [tr(0, "up"), tr(2 * H, "down")],
    since: 0,
    until: H,
    expected: { availability: 1, outages: [] },
  },
  {
    name: "an outage entirely before the window is not listed",
    history: [tr(0, "up"), tr(5 * M, "down"), tr(6 * M, "up")],
    since: 10 * M,
    until: H,
    expected: { availability: 1, outages: [], upMs: 50 * M },
  },
  {
    name: "disabled by an operator: neither available nor an outage",
    history: [tr(0, "up")],
    disabled: [{ startMs: 20 * M, endMs: 30 * M }],
    since: 0,
    until: H,
    expected: { availability: 1, upMs: 50 * M, disabledMs: 10 * M, downMs: 0, outages: [] },
  },
  {
    name: "down while disabled (the technician at work) is no outage",
    history: [tr(0, "up"), tr(21 * M, "down", "carrier lost"), tr(28 * M, "up")],
    disabled: [{ startMs: 20 * M, endMs: 30 * M }],
    since: 0,
    until: H,
    expected: { availability: 1, downMs: 0, disabledMs: 10 * M, outages: [], failures: 0 },
  },
  {
    name: "an outage that outlasts the disable is one from the enable on",
    history: [tr(0, "up"), tr(10 * M, "down", "carrier lost"), tr(40 * M, "up")],
    disabled: [{ startMs: 20 * M, endMs: 30 * M }],
    since: 0,
    until: H,
    expected: {
      downMs: 20 * M,
      disabledMs: 10 * M,
      availability: 30 / 50,
      outages: [
        { startMs: 10 * M, endMs: 20 * M, durationMs: 10 * M, cause: "carrier lost" },
        { startMs: 30 * M, endMs: 40 * M, durationMs: 10 * M, cause: "carrier lost" },
      ],
    },
  },
  {
    name: "still disabled (and down) at the window's end",
    history: [tr(0, "up"), tr(50 * M, "down")],
    disabled: [{ startMs: 45 * M, endMs: Number.POSITIVE_INFINITY }],
    since: 0,
    until: H,
    expected: { availability: 1, upMs: 45 * M, downMs: 0, disabledMs: 15 * M, outages: [] },
  },
  {
    name: "empty window",
    history: [tr(0, "down")],
    since: 30 * M,
    until: 30 * M,
    expected: { availability: null, downMs: 0, outages: [] },
  },
];

describe("linkReport", () => {
  it.each(rows)("$name", ({ history, disabled, since, until, expected }) => {
    const r = linkReport("a", history, { sinceMs: since, untilMs: until }, disabled);
    expect(r).toMatchObject(expected);
    // Every millisecond of the window lands in exactly one state.
    expect(r.upMs + r.degradedMs + r.downMs + r.unknownMs + r.disabledMs).toBe(until - since);
  });
});

describe("overlapping and adjacent windows", () => {
  const history = [
    tr(0, "up"),
    tr(10 * M, "down"),
    tr(14 * M, "degraded"),
    tr(20 * M, "up"),
    tr(33 * M, "down"),
    tr(41 * M, "up"),
  ];
  const at = (since: number, until: number) => linkReport("a", history, { sinceMs: since, untilMs: until });

  it.each([5 * M, 12 * M, 30 * M, 35 * M])("split at %d ms adds up to the whole", (cut) => {
    const whole = at(0, H);
    const left = at(0, cut);
    const right = at(cut, H);
    expect(left.downMs + right.downMs).toBe(whole.downMs);
    expect(left.degradedMs + right.degradedMs).toBe(whole.degradedMs);
    expect(left.failures + right.failures).toBe(whole.failures);
  });

  it("two overlapping windows count their common part in both", () => {
    const a = at(0, 36 * M);
    const b = at(30 * M, H);
    const common = at(30 * M, 36 * M);
    expect(a.downMs + b.downMs - common.downMs).toBe(at(0, H).downMs);
    expect(common.outages).toEqual([{ startMs: 33 * M, endMs: 41 * M, durationMs: 3 * M, cause: "to down" }]);
  });
});

describe("buildReport", () => {
  it("reports each link once, sorted, including configured links without history", () => {
    const history = [tr(0, "up", "", "b"), tr(0, "down", "", "a"), tr(10 * M, "up", "", "a")];
    const reports = buildReport(history, { sinceMs: 0, untilMs: H }, ["c", "a"]);
    expect(reports.map((r) => [r.link, r.downMs, r.availability])).toEqual([
      ["a", 10 * M, 50 / 60],
      ["b", 0, 1],
      ["c", 0, null],
    ]);
  });

  it("refuses a window that ends before it starts", () => {
    expect(() => buildReport([], { sinceMs: H, untilMs: 0 })).toThrow(RangeError);
  });
});
