import { randomUUID } from "node:crypto";
import {
  HEALTH_INTERVAL_MS,
  type LinkConfig,
  type LinkIdentity,
  linkIdentity,
  topics,
  type WanpilotConfig,
  WanpilotError,
} from "@wanpilot/common";
import { EventOutbox, linkSlots, readBootClock, type ServiceFactory } from "@wanpilot/runtime";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ProberBus } from "./adapters/bus.js";
import type { CommandPrefix } from "./adapters/command.js";
import { ipKernelWatcher, type KernelWatcher } from "./adapters/kernel-watcher.js";
import { ProbeMetrics } from "./adapters/probe-metrics.js";
import { createTargetProber, type TargetProber } from "./adapters/target-prober.js";
import { type KernelFacts, wanpilotTables } from "./core/kernel.js";
import { initialMachine, type LinkMachine, type MachineInput, step, timeoutFor } from "./core/machine.js";
import { type DecisionParams, decisionParams } from "./core/params.js";
import {
  linkHealthPayload,
  linkStatePayload,
  type PayloadContext,
  transitionPayload,
} from "./core/payloads.js";
import { newPortPool, type PortPool, releasePort, takePort } from "./core/port-pool.js";
import { paramsAtInterval } from "./core/rate-params.js";
import type { ProbeRate } from "./core/standby.js";
import { type Family, type FamilyPlan, familyPlan } from "./family.js";
import { ProbeFeed } from "./probe-feed.js";
import { RateBus } from "./rate-bus.js";
import { RateWatch } from "./rate-watch.js";

export interface ProberOptions {
  config: WanpilotConfig;
  link: string;
  log: Logger;
  bus: ProberBus;
  /** Prepended to ping/ip commands: `["ip", "netns", "exec", ns]` in lab tests, empty in production. */
  commandPrefix?: CommandPrefix;
  /** How often LinkHealth, the prober's heartbeat (and IPv6's LinkHealth on linkHealth6), is published; default 2 s. */
  healthIntervalMs?: number;
  /** Keep unacknowledged transitions in this file too, so a restarted prober resends them (`wanpilot prober`). */
  outboxFile?: string;
  /** The part's metrics registry: probes sent and lost and their RTT per target are counted in it. */
  metrics?: Registry;
  /** The family this prober judges (default ipv4; ipv6 for links with `ipv6` on, beside the ipv4 one). */
  family?: Family;
  /** The part's standby-rate bus inputs, shared by both families' judges (one subscription per topic). */
  rateBus?: RateBus;
}

/** Monotonic core time; wall time only when a timestamp is published. */
const now = (): number => performance.now();
const iso = (atMs: number): string => new Date(Date.now() - (now() - atMs)).toISOString();

/** One link's prober: probes, kernel watcher, decision core and bus, wired. */
export class LinkProber {
  readonly #o: ProberOptions;
  readonly #log: Logger;
  readonly #link: LinkConfig;
  /** Interface, mark and local ports: what tells this link apart from one with the same address. */
  readonly #identity: LinkIdentity;
  #ports: PortPool;
  readonly #params: DecisionParams;
  /** The params the core judges with: the full rate's, or the standby rate's. */
  #judging: DecisionParams;
  readonly #rate: RateWatch;
  readonly #ctx: PayloadContext;
  #machine: LinkMachine;
  #facts: KernelFacts | undefined;
  readonly #feed: ProbeFeed;
  #probers: { key: string; prober: TargetProber }[] = [];
  #watcher: KernelWatcher;
  /** Transitions until the logger acks them: on `linkEvent` (IPv4's) or `linkEvent6`. */
  readonly #outbox: EventOutbox<"linkEvent"> | EventOutbox<"linkEvent6">;
  readonly #plan: FamilyPlan;
  #healthTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #metrics: ProbeMetrics | undefined;

  constructor(o: ProberOptions) {
    const link = o.config.links.find((l) => l.name === o.link);
    if (link === undefined)
      throw new WanpilotError("USAGE", `no link named "${o.link}" in the config`, {
        details: { links: o.config.links.map((l) => l.name) },
      });
    this.#o = o;
    this.#link = link;
    this.#plan = familyPlan(link, o.family ?? "ipv4");
    // The router's slot for this link name: its mark and probe ports are the ones the router routes.
    this.#identity = linkIdentity(o.config, link.name, linkSlots(o.config, o.log)) as LinkIdentity;
    this.#ports = newPortPool(this.#identity.probePorts);
    this.#log = o.log.child({ component: "prober", link: link.name, family: this.#plan.family });
    const outbox = {
      bus: o.bus,
      gateway: o.config.gateway,
      log: this.#log,
      // Each family its own file: a restarted part resends both.
      ...(o.outboxFile === undefined
        ? {}
        : { file: this.#plan.family === "ipv6" ? `${o.outboxFile}.ipv6` : o.outboxFile }),
    };
    this.#outbox =
      this.#plan.family === "ipv6"
        ? new EventOutbox({
            ...outbox,
            kind: "linkEvent6",
            topic: topics.linkEvent6(o.config.gateway, link.name),
          })
        : new EventOutbox({
            ...outbox,
            kind: "linkEvent",
            topic: topics.linkEvent(o.config.gateway, link.name),
          });
    this.#params = decisionParams(this.#plan.probe);
    this.#judging = this.#params;
    this.#rate = new RateWatch({
      source: o.rateBus ?? new RateBus(o.bus, o.config.gateway, link.ipv6 !== undefined),
      params: {
        link: link.name,
        tiers: Object.fromEntries(o.config.links.map((l) => [l.name, l.tier])),
        // Two standby rounds: a lower tier that just recovered must stay up that long before this link slows down.
        holdMs: 2 * link.probe.standby_interval,
        // Each family's judge on its own: the IPv6 one weighs the router's IPv6 half and the links' IPv6 states.
        enabled: link.probe.standby_interval > link.probe.interval,
        family: this.#plan.family,
      },
      now,
      log: this.#log,
      onRate: (rate) => this.#retime(rate),
    });
    this.#metrics = o.metrics === undefined ? undefined : new ProbeMetrics(o.metrics, link.name);
    this.#metrics?.declare(this.#params.targets);
    this.#machine = initialMachine(this.#params, now());
    this.#feed = new ProbeFeed({
      intervalMs: this.#params.intervalMs,
      now,
      apply: (i) => this.#apply(i),
      timeoutOf: (key) => timeoutFor(this.#params, this.#machine, key),
    });
    const methods = Object.fromEntries(
      this.#params.targets.map((k, i) => [k, this.#plan.targets[i]?.method ?? "icmp"]),
    );
    this.#ctx = {
      link: link.name,
      interface: link.interface,
      methods,
      windowMs: this.#params.windowMs,
      iso,
      boot: readBootClock(),
    };
    this.#watcher = ipKernelWatcher({
      prefix: o.commandPrefix ?? [],
      interface: link.interface,
      configured: this.#plan.configured,
      family: this.#plan.ipFamily,
      ownTables: wanpilotTables(o.config.links.map((l) => l.table)),
      path: { table: link.table, mark: this.#identity.mark, mask: o.config.balance.mark_mask },
      log: this.#log,
    });
  }

  get state(): LinkMachine["state"] {
    return this.#machine.state;
  }

  async start(): Promise<void> {
    // After a (re)connect: the retained state first, then (the outbox's own handler) every unacknowledged transition.
    this.#o.bus.onConnect(() => this.#publishState());
    await this.#outbox.start();
    await this.#watcher.start((f) => this.#onFacts(f));
    this.#startProbers();
    await this.#rate.start();
    this.#healthTimer = setInterval(
      () => this.#publishHealth(),
      this.#o.healthIntervalMs ?? HEALTH_INTERVAL_MS,
    );
    // The first heartbeat at once: the router and the supervisor hear it started (the state went out on connect
    // and with the first kernel read).
    this.#publishHealth();
    this.#log.info({ targets: this.#params.targets, intervalMs: this.#params.intervalMs }, "prober started");
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#feed.stop();
    this.#rate.stop();
    clearInterval(this.#healthTimer);
    this.#outbox.stop();
    await Promise.all([...this.#probers.map((p) => p.prober.stop()), this.#watcher.stop()]);
  }

  #startProbers(): void {
    const { intervalMs } = this.#params;
    this.#params.targets.forEach((key, i) => {
      const target = this.#plan.targets[i];
      if (target === undefined) return;
      // The ping tracker is for ICMP; socket probes settle themselves and report outcomes directly.
      if (target.method === "icmp") this.#feed.track(key, intervalMs);
      const prober = createTargetProber({
        target,
        intervalMs,
        // Sockets wait up to the ceiling: a late answer still refines the timeout the core judges by.
        timeoutMs: this.#params.timeout.maxMs,
        source: () => this.#facts?.view.source ?? null,
        path: () => this.#facts?.path ?? false,
        identity: this.#identity,
        ports: {
          take: () => {
            const t = takePort(this.#ports);
            this.#ports = t.pool;
            return t.port;
          },
          release: (port) => {
            this.#ports = releasePort(this.#ports, port);
          },
        },
        prefix: this.#o.commandPrefix ?? [],
        ipFamily: this.#plan.ipFamily,
        now,
        key,
        onEvent: (e) => this.#feed.onPingEvent(key, e),
        onRestart: (atMs) => this.#feed.onRestart(key, atMs),
        onOutcome: (outcome) => this.#feed.onOutcome(outcome),
        log: this.#log.child({ target: key }),
      });
      this.#probers.push({ key, prober });
      prober.start();
    });
    this.#feed.drain();
  }

  #onFacts(f: KernelFacts): void {
    const before = this.#facts;
    this.#facts = f;
    this.#apply({ kind: "kernel", atMs: now(), interface: this.#link.interface, view: f.view });
    if (before?.path !== f.path) {
      this.#log.info(
        { path: f.path },
        f.path ? "link path installed: judging probes" : "waiting for the link's path (table and mark rule)",
      );
      this.#apply({ kind: "path", atMs: now(), ready: f.path });
      // ICMP probes run only while the path is there (see TargetProberOptions.path).
      for (const p of this.#probers) p.prober.pathChanged(f.path);
    }
    if (before?.view.source !== f.view.source) {
      this.#log.info({ from: before?.view.source ?? null, to: f.view.source }, "source address changed");
      for (const p of this.#probers) p.prober.sourceChanged();
    }
    if (before?.gateway !== f.gateway)
      this.#log.info({ from: before?.gateway ?? null, to: f.gateway }, "gateway changed");
    if (JSON.stringify(before) !== JSON.stringify(f)) this.#publishState();
  }

  #apply(input: MachineInput): void {
    if (input.kind === "probe") this.#metrics?.record(input.outcome);
    const s = step(this.#judging, this.#machine, input);
    this.#machine = s.machine;
    for (const t of s.transitions) {
      this.#log.info({ from: t.from, to: t.to, cause: t.cause }, "link state changed");
      this.#outbox.add(transitionPayload(this.#ctx, t, `${this.#link.name}:${randomUUID()}`));
    }
    if (s.transitions.length > 0) {
      this.#publishState();
      this.#rate.own(this.#machine.state);
    }
  }

  /** Every target's probes at the rate's interval, judged with that interval's params. */
  #retime(rate: ProbeRate): void {
    const intervalMs = rate === "full" ? this.#link.probe.interval : this.#link.probe.standby_interval;
    this.#judging = paramsAtInterval(this.#params, intervalMs);
    for (const { key, prober } of this.#probers) {
      this.#feed.retime(key, intervalMs);
      prober.retime(intervalMs);
    }
  }

  /** The rate probes are sent at now (tests, status). */
  get rate(): ProbeRate {
    return this.#rate.rate;
  }

  /** The retained state: on a transition, a kernel change and a (re)connect only; health is the heartbeat. */
  #publishState(): void {
    const payload = linkStatePayload(this.#ctx, this.#machine, this.#facts, now());
    const gw = this.#o.config.gateway;
    this.#publish(() =>
      this.#plan.family === "ipv6"
        ? this.#o.bus.publish("linkState6", topics.linkState6(gw, this.#link.name), {
            ...payload,
            family: "ipv6",
          })
        : this.#o.bus.publish("linkState", topics.linkState(gw, this.#link.name), payload),
    );
  }

  #publishHealth(): void {
    // Each family's window on the same timer; linkHealth (IPv4's) is also the part's heartbeat, IPv6's is not.
    const payload = linkHealthPayload(this.#ctx, this.#machine, now());
    const gw = this.#o.config.gateway;
    this.#publish(() =>
      this.#plan.family === "ipv6"
        ? this.#o.bus.publish("linkHealth6", topics.linkHealth6(gw, this.#link.name), payload)
        : this.#o.bus.publish("linkHealth", topics.linkHealth(gw, this.#link.name), payload),
    );
  }

  #publish(send: () => Promise<void>): void {
    if (this.#stopped) return;
    send().catch((err: unknown) => this.#log.warn({ err }, "publish failed"));
  }

  /** Transitions not yet acknowledged by the logger (tests, status). */
  get unacknowledged(): number {
    return this.#outbox.pending;
  }
}

/** `wanpilot prober --link X`: starts the prober of one link; resolves once it probes. */
export const run = (async (
  o: ProberOptions,
): Promise<{ stop(): Promise<void>; prober: LinkProber; prober6?: LinkProber }> => {
  const has6 = o.config.links.find((l) => l.name === o.link)?.ipv6 !== undefined;
  const rateBus = o.rateBus ?? new RateBus(o.bus, o.config.gateway, has6);
  const prober = new LinkProber({ ...o, rateBus });
  await prober.start();
  // A link with IPv6 on gets a second, independent judge for its IPv6 in the same part.
  const ipv6 = has6 ? new LinkProber({ ...o, rateBus, family: "ipv6" }) : null;
  await ipv6?.start();
  return {
    prober,
    ...(ipv6 === null ? {} : { prober6: ipv6 }),
    stop: async () => {
      await Promise.all([prober.stop(), ipv6?.stop()]);
    },
  };
}) satisfies ServiceFactory<{ link: string }>;
