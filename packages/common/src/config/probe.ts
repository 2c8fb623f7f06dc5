import * as z from "zod";
import { isIpv4, isIpv6 } from "./net.js";
import { duration, ratio } from "./units.js";

export const ProbeMethod = z.enum(["icmp", "tcp", "http", "https", "dns"]);
export type ProbeMethod = z.infer<typeof ProbeMethod>;

/** Public anycast resolvers run by three different operators, so one operator's trouble is not a link outage. */
export const DEFAULT_PROBE_TARGETS = ["1.1.1.1", "8.8.8.8", "9.9.9.9"] as const;

const HOST_RE =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const Host = z.string().refine((h) => isIpv4(h) || isIpv6(h) || HOST_RE.test(h), {
  error: (i) => `${JSON.stringify(i.input)} is not an IP address or host name`,
});

const TargetObject = z
  .strictObject({
    host: Host.optional().meta({
      description: "Address or name to probe (for http/https, taken from url when absent)",
    }),
    method: ProbeMethod.default("icmp"),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .meta({ description: "tcp: port to connect to; dns: resolver port (53)" }),
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .meta({ description: "http/https: the URL to GET" }),
    expect_status: z
      .number()
      .int()
      .min(100)
      .max(599)
      .optional()
      .meta({ description: "http/https: expected status (default any 2xx/3xx)" }),
    query: Host.optional().meta({ description: "dns: the name to resolve at host (default example.com)" }),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, {
        error: (i) =>
          `${JSON.stringify(i.input)} is not a target name (letters, digits, _ . : -, starting with a letter or digit)`,
      })
      .optional()
      .meta({ description: "A label for reports (default: host)" }),
  })
  .superRefine((t, ctx) => {
    if (t.method === "tcp" && t.port === undefined)
      ctx.addIssue({ code: "custom", path: ["port"], message: "a tcp target needs a port" });
    if ((t.method === "http" || t.method === "https") && t.url === undefined)
      ctx.addIssue({ code: "custom", path: ["url"], message: `an ${t.method} target needs a url` });
    if (t.method !== "http" && t.method !== "https" && t.host === undefined)
      ctx.addIssue({ code: "custom", path: ["host"], message: `a ${t.method} target needs a host` });
  });

/** A probe target as written: "1.1.1.1" (icmp) or an object. */
export const ProbeTargetInput = z.union([Host, TargetObject]);

export interface ProbeTarget {
  name: string;
  host: string;
  method: ProbeMethod;
  port?: number;
  url?: string;
  expect_status?: number;
  query?: string;
}

export function normalizeTarget(t: z.output<typeof ProbeTargetInput>): ProbeTarget {
  if (typeof t === "string") return { name: t, host: t, method: "icmp" };
  const host = t.host ?? new URL(t.url ?? "http://invalid").hostname;
  const out: ProbeTarget = { name: t.name ?? host, host, method: t.method };
  if (t.port !== undefined) out.port = t.port;
  if (t.url !== undefined) out.url = t.url;
  if (t.expect_status !== undefined) out.expect_status = t.expect_status;
  if (t.method === "dns") out.query = t.query ?? "example.com";
  return out;
}

/** The default standby interval (docs/prober.md, "Standby rate"). */
export const STANDBY_INTERVAL_DEFAULT_MS = 30_000;

/**
 * Probe defaults (the arithmetic is in docs/prober.md). Each target is probed every `interval`; a probe
 * not answered within its timeout is lost. The timeout adapts to the target's RTTs like TCP's
 * retransmission timer (smoothed RTT + 4 × its variation), never below `timeout_min` nor above `timeout`
 * (also the timeout before the first reply). A link is down once fewer than `reliability` targets are still
 * answering, a target counting as silent after `down` lost probes in a row. Worst case on a full outage:
 * down × interval + the timeout: on a 20 ms link 3 × 206 ms (iputils' real cadence) + 150 ms ≈ 0.77 s; on an
 * LTE link whose timeout has grown to the 700 ms ceiling ≈ 1.3 s. With 3 targets and 10 % independent loss
 * a false down needs one target's third loss in a row while both others are already 3 down:
 * 3 · 0.1⁹ · 0.9 = 2.7·10⁻⁹ per round, 1.53·10⁸ rounds a year: once in ~2.4 years.
 */
/**
 * The fast profile (docs/prober.md "Defaults and profiles"): for wired links whose RTT stays well under
 * 50 ms. A dead upstream is declared within ~0.25 s; one false down in centuries at 10 % loss (down 4).
 */
export const FAST_PROBE_PROFILE = {
  interval: "40ms",
  timeout: "150ms",
  timeout_min: "50ms",
  down: 4,
} as const;

/** The adaptive timeout's default floor: jitter and scheduling on links whose RTT is far smaller. */
export const DEFAULT_TIMEOUT_MIN_MS = 150;

export const ProbeConfig = z
  .strictObject({
    targets: z
      .array(ProbeTargetInput)
      .min(1, { error: "needs at least one target" })
      .default([...DEFAULT_PROBE_TARGETS]),
    interval: duration({ min: 20, max: 60_000 }).default(200),
    timeout: duration({ min: 20, max: 30_000 }).default(700).meta({
      description: "Longest wait for a reply (ceiling of the adaptive timeout; used before the first reply)",
    }),
    timeout_min: duration({ min: 10, max: 30_000 }).optional().meta({
      description:
        "Shortest timeout: floor of the adaptive timeout (smoothed RTT + 4 × RTT variation); default 150ms, or timeout if lower; equal to timeout = a fixed timeout",
    }),
    // 3 targets × 168 bytes (ICMP echo and reply) every 30 s ≈ 43.5 MB in 30 days: under a 50 MB budget.
    standby_interval: duration({ min: 20, max: 600_000 }).optional().meta({
      description:
        "Probe interval while the link carries no traffic (a higher tier than the active one, drained or disabled); default 30s (or interval, when longer); equal to interval: always full rate",
    }),
    reliability: z.number().int().min(1).default(1),
    down: z.number().int().min(1).max(1000).default(3),
    up: z.number().int().min(1).max(1000).default(10),
    // 20 s (~66 probes a target): at 10 % loss a 10 s window read as over 20 % in 2 % of the time, 20 s in ~0.1 %.
    window: duration({ min: 1000, max: 3_600_000 })
      .default(20_000)
      .meta({ description: "Sliding window for RTT/loss statistics and the degraded decision" }),
    degraded: z
      .strictObject({
        rtt: duration({ min: 1 }).default(400),
        loss: ratio().default(0.2),
        recover_rtt: duration({ min: 1 })
          .optional()
          .meta({ description: "Leave degraded only below this RTT (default 75 % of rtt)" }),
        recover_loss: ratio()
          .optional()
          .meta({ description: "Leave degraded only below this loss (default half of loss)" }),
      })
      .default({ rtt: 400, loss: 0.2 }),
    damping: z
      .strictObject({
        window: duration({ min: 1000 }).default(300_000),
        downs: z.number().int().min(1).max(1000).default(3),
        factor: z.number().int().min(1).max(100).default(4),
      })
      .default({ window: 300_000, downs: 3, factor: 4 })
      .meta({
        description:
          "A link that went down `downs` times within `window` needs up × factor good rounds to return",
      }),
  })
  .superRefine((p, ctx) => {
    if (p.timeout_min !== undefined && p.timeout_min > p.timeout)
      ctx.addIssue({
        code: "custom",
        path: ["timeout_min"],
        message: `${p.timeout_min}ms is over timeout (${p.timeout}ms): the floor cannot exceed the ceiling`,
      });
    if (p.standby_interval !== undefined && p.standby_interval < p.interval)
      ctx.addIssue({
        code: "custom",
        path: ["standby_interval"],
        message: `${p.standby_interval}ms is shorter than interval (${p.interval}ms): standby probes less often, never more`,
      });
  })
  .transform((p) => ({
    ...p,
    timeout_min: p.timeout_min ?? Math.min(DEFAULT_TIMEOUT_MIN_MS, p.timeout),
    standby_interval: p.standby_interval ?? Math.max(STANDBY_INTERVAL_DEFAULT_MS, p.interval),
    targets: p.targets.map(normalizeTarget),
    degraded: {
      rtt: p.degraded.rtt,
      loss: p.degraded.loss,
      recover_rtt: p.degraded.recover_rtt ?? p.degraded.rtt * 0.75,
      recover_loss: p.degraded.recover_loss ?? p.degraded.loss / 2,
    },
  }));
export type ProbeConfig = z.output<typeof ProbeConfig>;
