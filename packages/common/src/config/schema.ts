import * as z from "zod";
import { OPERATOR_USERNAME } from "../bus/operations.js";
import { parseComponentId } from "../bus/topics.js";
import { BalanceConfig, MAX_LINKS, markCapacity } from "./balance.js";
import { BusConfig } from "./bus.js";
import { HomeAssistantConfig } from "./homeassistant.js";
import { PROBE_PORTS, socketProbesInFlight } from "./identity.js";
import { type LinkConfig, LinkConfigInput } from "./link.js";
import { LoggerConfig } from "./logger.js";
import { isLoopbackHost, ListenAddress, splitHostPort } from "./net.js";
import { TrafficRule } from "./rules.js";
import { WebConfig } from "./web.js";

/** Where wanpilot keeps its secrets, snapshot and pid file unless `runtime_dir` says otherwise. */
export const DEFAULT_RUNTIME_DIR = "/run/wanpilot";

/** First table id handed to links without an explicit `table`. */
export const DEFAULT_TABLE_BASE = 101;

export const GatewayId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
  error: (i) =>
    `${JSON.stringify(i.input)} is not a gateway id (a-z, 0-9, _ and -, starting with a letter or digit)`,
});

/** The config file as written (YAML → this schema). Durations are milliseconds and percentages ratios after parsing. */
const ConfigObject = z.strictObject({
  gateway: GatewayId.default("wanpilot"),
  links: z.array(LinkConfigInput).min(1, { error: "needs at least one link" }),
  balance: BalanceConfig.default(BalanceConfig.parse({})),
  rules: z.array(TrafficRule).default([]),
  bus: BusConfig.default(BusConfig.parse({})),
  logger: LoggerConfig.default(LoggerConfig.parse({})),
  homeassistant: HomeAssistantConfig.default(HomeAssistantConfig.parse({})),
  metrics: z
    .strictObject({
      listen: ListenAddress.optional().meta({
        description: "Prometheus /metrics listener (off when absent)",
      }),
    })
    .default({}),
  web: WebConfig.default(WebConfig.parse({})),
  runtime_dir: z
    .string()
    .startsWith("/", { error: "must be an absolute path" })
    .default(DEFAULT_RUNTIME_DIR)
    .meta({ description: "Where the embedded broker writes the generated bus secret (mode 0600)" }),
  log_level: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});
type Parsed = z.output<typeof ConfigObject>;

export type WanpilotConfig = Omit<Parsed, "links"> & { links: LinkConfig[] };

export const WanpilotConfigInput = ConfigObject.superRefine(crossCheck).transform(assignTables);

function duplicates<T>(items: T[]): Map<T, number[]> {
  const seen = new Map<T, number[]>();
  items.forEach((v, i) => {
    seen.set(v, [...(seen.get(v) ?? []), i]);
  });
  return new Map([...seen].filter(([, idx]) => idx.length > 1));
}

function crossCheck(cfg: Parsed, ctx: z.RefinementCtx): void {
  const fields = [
    ["name", "link name"],
    ["interface", "interface"],
    ["table", "table"],
  ] as const;
  for (const [field, label] of fields) {
    const values = cfg.links.map((l) => l[field]);
    for (const [value, idx] of duplicates(values)) {
      if (value === undefined) continue;
      for (const i of idx.slice(1))
        ctx.addIssue({
          code: "custom",
          path: ["links", i, field],
          message: `${label} ${JSON.stringify(value)} is already used by links[${idx[0]}]`,
        });
    }
  }
  // Equal `source` addresses on different interfaces are fine: links are told apart by interface and mark.
  cfg.links.forEach((l, i) => {
    const inFlight = socketProbesInFlight(l.probe);
    if (inFlight > PROBE_PORTS.perLink)
      ctx.addIssue({
        code: "custom",
        path: ["links", i, "probe", "targets"],
        message: `up to ${inFlight} tcp/http/dns probes in flight at once (each target starts one every interval until its timeout); a link has ${PROBE_PORTS.perLink} local ports for them: use fewer such targets or a longer interval`,
      });
    const v6 = l.ipv6 === undefined ? 0 : socketProbesInFlight({ ...l.probe, targets: l.ipv6.targets });
    if (v6 > PROBE_PORTS.perLink)
      ctx.addIssue({
        code: "custom",
        path: ["links", i, "ipv6", "targets"],
        message: `up to ${v6} IPv6 tcp/http/dns probes in flight at once; a link has ${PROBE_PORTS.perLink} local ports for them: use fewer such targets or a longer interval`,
      });
    const v6Targets = l.ipv6?.targets.length ?? 0;
    if (v6Targets > 0 && l.probe.reliability > v6Targets)
      ctx.addIssue({
        code: "custom",
        path: ["links", i, "ipv6", "targets"],
        message: `probe.reliability is ${l.probe.reliability} but only ${v6Targets} IPv6 targets are configured`,
      });
    if (l.probe.reliability > l.probe.targets.length)
      ctx.addIssue({
        code: "custom",
        path: ["links", i, "probe", "reliability"],
        message: `${l.probe.reliability} targets must answer but only ${l.probe.targets.length} are configured`,
      });
  });
  const tiers = [...new Set(cfg.links.map((l) => l.tier))].sort((a, b) => a - b);
  const top = tiers.at(-1) ?? 1;
  for (let t = 1; t < top; t++)
    if (!tiers.includes(t))
      ctx.addIssue({
        code: "custom",
        path: ["links"],
        message: `tier ${t} has no links (tiers in use: ${tiers.join(", ")}); number tiers 1, 2, 3… without gaps`,
      });
  const names = new Set(cfg.links.map((l) => l.name));
  cfg.rules.forEach((r, i) => {
    r.via.forEach((link, j) => {
      if (!names.has(link))
        ctx.addIssue({
          code: "custom",
          path: ["rules", i, "via", j],
          message: `unknown link "${link}" (links: ${[...names].join(", ")})`,
        });
    });
    for (const [value, idx] of duplicates(r.via))
      ctx.addIssue({
        code: "custom",
        path: ["rules", i, "via", idx[1] ?? 0],
        message: `link "${value}" is listed twice`,
      });
  });
  for (const [value, idx] of duplicates(cfg.rules.map((r) => r.name)))
    ctx.addIssue({
      code: "custom",
      path: ["rules", idx[1] ?? 0, "name"],
      message: `rule name "${value}" is already used by rules[${idx[0]}]`,
    });
  const capacity = markCapacity(cfg.balance.mark_mask);
  if (cfg.links.length > MAX_LINKS)
    ctx.addIssue({
      code: "custom",
      path: ["links"],
      message: `${cfg.links.length} links configured; wanpilot handles at most ${MAX_LINKS}`,
    });
  else if (cfg.links.length > capacity)
    ctx.addIssue({
      code: "custom",
      path: ["balance", "mark_mask"],
      message: `0x${cfg.balance.mark_mask.toString(16)} tells ${capacity} links apart (2^bits − 1) but ${cfg.links.length} are configured; use a mask with more bits`,
    });
  checkBus(cfg, ctx);
  checkHomeAssistant(cfg, ctx);
  checkWeb(cfg, ctx);
}

/** Like the bus: the page may leave loopback only behind a password of its own. */
function checkWeb(cfg: Parsed, ctx: z.RefinementCtx): void {
  const { host } = splitHostPort(cfg.web.listen);
  if (!isLoopbackHost(host) && cfg.web.password_file === undefined)
    ctx.addIssue({
      code: "custom",
      path: ["web", "listen"],
      message: `listening on ${host} (not loopback) needs a password for the operator: set web.password_file`,
    });
}

function checkHomeAssistant(cfg: Parsed, ctx: z.RefinementCtx): void {
  const ha = cfg.homeassistant;
  if ((ha.username === undefined) !== (ha.password_file === undefined))
    ctx.addIssue({
      code: "custom",
      path: ["homeassistant", ha.username === undefined ? "username" : "password_file"],
      message: "username and password_file go together",
    });
  if (ha.username !== undefined && ha.username === cfg.bus.username)
    ctx.addIssue({
      code: "custom",
      path: ["homeassistant", "username"],
      message: `${JSON.stringify(ha.username)} is already bus.username (Home Assistant needs its own user)`,
    });
  if (
    ha.username !== undefined &&
    /^(router|logger|observer|web|supervisor|operator|prober\/.*)$/.test(ha.username)
  )
    ctx.addIssue({
      code: "custom",
      path: ["homeassistant", "username"],
      message: `${JSON.stringify(ha.username)} is the name of a wanpilot part; choose another`,
    });
}

function checkBus(cfg: Parsed, ctx: z.RefinementCtx): void {
  const { bus } = cfg;
  if ((bus.username === undefined) !== (bus.password_file === undefined))
    ctx.addIssue({
      code: "custom",
      path: ["bus", bus.username === undefined ? "username" : "password_file"],
      message: "username and password_file go together",
    });
  if (bus.username !== undefined && parseComponentId(bus.username) !== undefined)
    ctx.addIssue({
      code: "custom",
      path: ["bus", "username"],
      message: `"${bus.username}" is the bus login of one of wanpilot's own parts; the reader needs another name`,
    });
  if (bus.username === OPERATOR_USERNAME)
    ctx.addIssue({
      code: "custom",
      path: ["bus", "username"],
      message: `"${OPERATOR_USERNAME}" is the operator's login; the reader needs another name`,
    });
  if (bus.url !== undefined && bus.operator_password_file !== undefined)
    ctx.addIssue({
      code: "custom",
      path: ["bus", "operator_password_file"],
      message:
        "is for the embedded broker; with url the operator's password is credentials_dir/operator.pass",
    });
  if (bus.url !== undefined) {
    checkExternalBus(bus, ctx);
    return;
  }
  const { host } = splitHostPort(bus.listen);
  if (!isLoopbackHost(host) && bus.username === undefined)
    ctx.addIssue({
      code: "custom",
      path: ["bus", "listen"],
      message: `listening on ${host} (not loopback) needs credentials for remote clients: set bus.username and bus.password_file`,
    });
  if (!isLoopbackHost(host) && bus.anonymous === "any")
    ctx.addIssue({
      code: "custom",
      path: ["bus", "anonymous"],
      message:
        "anonymous: any on a non-loopback listener would let anyone on the network read; use loopback or none",
    });
}

/** bus.url: every part needs its own credential, except on loopback with an explicit opt-in. */
function checkExternalBus(bus: Parsed["bus"], ctx: z.RefinementCtx): void {
  const url = new URL(bus.url ?? "");
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: "custom", path: ["bus", path], message });
  if (url.username !== "" || url.password !== "")
    issue(
      "url",
      "credentials in the URL are not accepted (they would be shared by every part): use bus.credentials_dir",
    );
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (bus.credentials_dir === undefined && !bus.allow_no_credentials)
    issue(
      "credentials_dir",
      "an external broker needs a credential per part: set bus.credentials_dir (see docs/security.md), or allow_no_credentials: true for a broker on loopback",
    );
  if (bus.credentials_dir === undefined && bus.allow_no_credentials && !isLoopbackHost(host))
    issue("allow_no_credentials", `only for a broker on loopback, not ${host}: set bus.credentials_dir`);
  if (bus.tls !== undefined && url.protocol !== "mqtts:" && url.protocol !== "wss:")
    issue("tls", `tls needs an mqtts:// or wss:// url, not ${url.protocol}//`);
  if (bus.tls !== undefined && (bus.tls.cert_file === undefined) !== (bus.tls.key_file === undefined))
    issue("tls", "cert_file and key_file go together");
}

function assignTables(cfg: Parsed): WanpilotConfig {
  const taken = new Set(cfg.links.flatMap((l) => (l.table === undefined ? [] : [l.table])));
  let next = DEFAULT_TABLE_BASE;
  const links = cfg.links.map((l): LinkConfig => {
    if (l.table !== undefined) return { ...l, table: l.table };
    while (taken.has(next)) next++;
    taken.add(next);
    return { ...l, table: next };
  });
  return { ...cfg, links };
}
