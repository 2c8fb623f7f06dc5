import { z } from "zod";
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
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
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

/**
 * Probe defaults. A round is sent every `interval`; each target answers within `timeout` or the
 * round counts it lost. Down after `down` bad rounds: 3 × 500 ms plus the timeout is under 2 s,
 * yet with 3 targets and 10 % independent loss a bad round needs all three lost (p = 10⁻³), so three
 * in a row (10⁻⁹ per round, 6.3·10⁷ rounds a year) happen once in ~16 years.
 */
export const ProbeConfig = z
  .strictObject({
    targets: z
      .array(ProbeTargetInput)
      .min(1, { error: "needs at least one target" })
      .default([...DEFAULT_PROBE_TARGETS]),
    interval: duration({ min: 50, max: 60_000 }).default(500),
    timeout: duration({ min: 50, max: 30_000 }).default(1000),
    reliability: z.number().int().min(1).default(1),
    down: z.number().int().min(1).max(1000).default(3),
    up: z.number().int().min(1).max(1000).default(10),
    degraded: z
      .strictObject({
        rtt: duration({ min: 1 }).default(400),
        loss: ratio().default(0.2),
      })
      .default({ rtt: 400, loss: 0.2 }),
  })
  .transform((p) => ({ ...p, targets: p.targets.map(normalizeTarget) }));
export type ProbeConfig = z.output<typeof ProbeConfig>;
