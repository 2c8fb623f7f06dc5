import {
  balanceTableId,
  type DefaultRoute,
  HEALTH_INTERVAL_MS,
  type LinkState,
  type LinkState6,
  type RouteChange,
  type RouterState,
  STALE_AFTER_INTERVALS,
  type WanpilotConfig,
  WanpilotError,
} from "@wanpilot/common";
import type { Logger } from "pino";
import { processCpuMs } from "./adapters/cpu.js";
import type { InterfaceAddress, Kernel } from "./adapters/kernel.js";
import { type CountBudget, countDue, type LastCount } from "./core/count-budget.js";
import { allSysctls, computeDesired, type Slots } from "./core/desired.js";
import { adoptDefaultRoute, linkInput, tableGateway } from "./core/inputs.js";
import { describeChange, routeChange, routerState } from "./core/messages.js";
import type { Command, DesiredState, LinkInput, ObservedState } from "./core/model.js";
import type { Overrides } from "./core/overrides.js";
import { type Ownership, ownership } from "./core/ownership.js";
import { appliedState, linksToFlush, plan } from "./core/plan.js";
import { describeStale, sameSet, staleLinks } from "./core/stale.js";
import { linkInput6 } from "./core/state6.js";

export interface ControllerDeps {
  config: WanpilotConfig;
  log: Logger;
  kernel: Kernel;
  now: () => Date;
  newId: () => string;
  /** Each link's slot (marks, rule priorities, nexthop ids) by name; config order when absent. */
  slots?: Slots;
  /** Called with the values of sysctls before wanpilot changes them (kept for `cleanup`). */
  rememberSysctls?: (originals: Record<string, string>) => void;
  /** Called after every reconcile that changed routing. */
  onChange?: (event: RouteChange) => void;
  /** Monotonic milliseconds, for heartbeats (default performance.now). */
  clockMs?: () => number;
  /** A link without a heartbeat (LinkHealth) for longer than this is stale (default 3 health intervals). */
  staleAfterMs?: number;
  /** CPU milliseconds used so far by this process and its reaped children (what a count costs); default from /proc. */
  cpuMs?: () => number;
  /** How often connections may be counted (default DEFAULT_COUNT_BUDGET). */
  countBudget?: CountBudget;
}

export interface ReconcileResult {
  commands: Command[];
  errors: unknown[];
  change: RouteChange | null;
  /** Where the time went (monotonic ms): waiting for the reconcile before, reading the kernel, planning, the commands. */
  timings: { waitMs: number; readMs: number; planMs: number; applyMs: number };
}

interface Queued {
  full: boolean;
  promise: Promise<ReconcileResult>;
}

/**
 * Keeps the kernel matching the link states. Reconciles are serialized; states arriving during
 * one are folded into the next, never debounced by time.
 */
export class Controller {
  private readonly states = new Map<string, LinkState>();
  /** Each IPv6 link's IPv6 verdict (link/<name>/ipv6/state). */
  private readonly states6 = new Map<string, LinkState6>();
  private addresses = new Map<string, InterfaceAddress[]>();
  private addresses6 = new Map<string, InterfaceAddress[]>();
  /**
   * The interfaces' addresses are read again at the next full reconcile: at start, after a reload or a failed
   * command, and when a prober publishes another source, gateway or prefix length. Not on every resync: the
   * prober already follows each interface and says when any of that changes.
   */
  private addressesDue = true;
  private observed: ObservedState | null = null;
  private desired: DesiredState | null = null;
  private last: DefaultRoute | null = null;
  private last6: DefaultRoute | null = null;
  private lastChange: RouterState["lastChange"] = null;
  private counts: Map<number, number> | null = null;
  private counts6: Map<number, number> | null = null;
  /** A count in progress: with a big table one can take longer than the counting interval; callers share it. */
  private counting: Promise<{ v4: Map<number, number>; v6: Map<number, number> | null } | null> | null = null;
  /** When the last count ran and the CPU it took: the next waits its share of the budget. */
  private lastCount: LastCount | null = null;
  private others: Ownership = { foreign: [], conflicts: [] };
  private chain: Promise<unknown> = Promise.resolve();
  private queued: Queued | null = null;
  /** Why the next reconcile runs (link transitions, start, resync). */
  private readonly reasons: string[] = [];
  private config: WanpilotConfig;
  private overrides: Overrides = {};
  private slots: Slots | undefined;
  /** Link → monotonic time of its prober's last heartbeat. */
  private readonly heartbeats = new Map<string, number>();
  /** Heartbeats are expected from here on (start, reconnect to the bus). */
  private heartbeatsSinceMs: number;
  /** The stale links the current desired state was computed with. */
  private stale = new Set<string>();
  /** Links whose interface the last read did not find up with an IPv4 address. */
  private absent: string[] = [];

  constructor(private readonly deps: ControllerDeps) {
    this.config = deps.config;
    this.slots = deps.slots;
    this.heartbeatsSinceMs = this.clockMs();
  }

  /** A reloaded config (and its links' slots): the next reconcile (full) brings the kernel to it. */
  setConfig(
    config: WanpilotConfig,
    overrides: Overrides,
    reason: string,
    slots?: Slots,
  ): Promise<ReconcileResult> {
    this.config = config;
    this.overrides = overrides;
    this.addressesDue = true;
    if (slots !== undefined) this.slots = slots;
    for (const name of this.states.keys())
      if (!config.links.some((l) => l.name === name)) this.states.delete(name);
    for (const name of this.states6.keys())
      if (!config.links.some((l) => l.name === name && l.ipv6 !== undefined)) this.states6.delete(name);
    for (const name of this.heartbeats.keys())
      if (!config.links.some((l) => l.name === name)) this.heartbeats.delete(name);
    return this.reconcile(reason, true);
  }

  /** The operator's overrides changed. */
  setOverrides(overrides: Overrides, reason: string): Promise<ReconcileResult> {
    this.overrides = overrides;
    return this.reconcile(reason);
  }

  get currentOverrides(): Overrides {
    return this.overrides;
  }

  private clockMs(): number {
    return (this.deps.clockMs ?? (() => performance.now()))();
  }

  private staleNow(): Set<string> {
    const bound = this.deps.staleAfterMs ?? STALE_AFTER_INTERVALS * HEALTH_INTERVAL_MS;
    const names = this.config.links.map((l) => l.name);
    return staleLinks(names, this.heartbeats, this.heartbeatsSinceMs, this.clockMs(), bound);
  }

  /** A prober's heartbeat (its LinkHealth arrived); reconciles when it brings a stale link back. */
  onHeartbeat(link: string): Promise<ReconcileResult> | null {
    if (!this.config.links.some((l) => l.name === link)) return null;
    this.heartbeats.set(link, this.clockMs());
    return this.checkStale();
  }

  /** Called on a timer (a silent prober sends nothing): reconciles when the set of stale links changed. */
  checkStale(): Promise<ReconcileResult> | null {
    const now = this.staleNow();
    if (this.desired === null || sameSet(now, this.stale)) return null;
    return this.reconcile(describeStale(this.stale, now));
  }

  /** Back on the bus: probers get a full bound to be heard again before their links turn stale. */
  expectHeartbeats(): void {
    this.heartbeatsSinceMs = this.clockMs();
  }

  /**
   * Records a link's state and reconciles. Probers publish a state only when it changed (or on a reconnect), so
   * every one is worth a reconcile; one that changes nothing the router uses plans no command.
   */
  onLinkState(state: LinkState): Promise<ReconcileResult> | null {
    if (!this.config.links.some((l) => l.name === state.link)) return null;
    return this.record(this.states, state, "");
  }

  /** Records a link's IPv6 state (links with `ipv6` on) and reconciles, like onLinkState. */
  onLinkState6(state: LinkState6): Promise<ReconcileResult> | null {
    if (!this.config.links.some((l) => l.name === state.link && l.ipv6 !== undefined)) return null;
    return this.record(this.states6, state, " IPv6");
  }

  private record<S extends LinkState | LinkState6>(
    states: Map<string, S>,
    state: S,
    family: string,
  ): Promise<ReconcileResult> | null {
    const before = states.get(state.link);
    states.set(state.link, state);
    // A new learned address, prefix or gateway is checked against a fresh read of the interfaces. So is a
    // carrier coming back: an interface set down or re-created (a USB modem replugged) lost its routes.
    const refresh =
      before?.source !== state.source ||
      before?.gateway !== state.gateway ||
      (before?.prefixLength ?? null) !== (state.prefixLength ?? null) ||
      (before?.carrier === false && state.carrier);
    // A carrier lost is read again at the next full reconcile, not now: failover must not wait for reads.
    if (refresh || (before?.carrier === true && !state.carrier)) this.addressesDue = true;
    const from = before?.state ?? "unknown";
    const reason =
      from === state.state
        ? `${state.link}${family} still ${state.state}`
        : `${state.link}${family} ${from} → ${state.state}: ${state.cause}`;
    return this.reconcile(reason, refresh);
  }

  /** Runs a reconcile after the running one; calls meanwhile join the queued one. `full` re-reads the kernel first. */
  reconcile(reason: string, full = false): Promise<ReconcileResult> {
    this.reasons.push(reason);
    const queued = this.queued;
    if (queued !== null) {
      queued.full ||= full;
      return queued.promise;
    }
    const q: Queued = { full, promise: Promise.resolve(null as never) };
    const askedMs = this.clockMs();
    q.promise = this.chain.then(() => {
      this.queued = null;
      return this.once(q.full, askedMs);
    });
    this.queued = q;
    this.chain = q.promise.catch(() => undefined);
    return q.promise;
  }

  private async once(full: boolean, askedMs: number): Promise<ReconcileResult> {
    const { kernel, log } = this.deps;
    const config = this.config;
    const t0 = this.clockMs();
    const observed = full || this.observed === null ? await this.readKernel() : this.observed;
    const t1 = this.clockMs();
    // Taken after the kernel was read: states that arrived meanwhile are in this computation, so are their reasons.
    const reason = this.reasons.splice(0).join("; ");
    const next = computeDesired(config, this.inputs(observed), this.last, this.overrides, this.slots, {
      inputs: this.inputs6(observed),
      last: this.last6,
    });
    if (full) this.checkOwnership(ownership(next, observed));
    const flush = linksToFlush(this.desired?.links ?? null, next.links, config.balance.flush_on_down);
    const flush6 = linksToFlush(
      this.desired?.v6?.links ?? null,
      next.v6?.links ?? [],
      config.balance.flush_on_down,
    );
    const commands = plan(next, observed, flush, flush6);
    this.remember(commands, observed);
    const t2 = this.clockMs();
    const result = commands.length === 0 ? { flushed: [], errors: [] } : await kernel.apply(commands);
    const timings = { waitMs: t0 - askedMs, readMs: t1 - t0, planMs: t2 - t1, applyMs: this.clockMs() - t2 };
    for (const err of result.errors) log.error({ err }, "kernel command failed");
    // After an error, trust nothing: the next reconcile re-reads the kernel, addresses too.
    this.observed = result.errors.length === 0 ? appliedState(next, observed) : null;
    // While an interface is not there, every full reconcile (resyncs too) looks for it again.
    if (result.errors.length > 0 || this.absent.length > 0) this.addressesDue = true;
    const prev = this.desired;
    this.desired = next;
    if (next.defaultRoute.mode !== "unreachable" && next.defaultRoute.nexthops.length > 0)
      this.last = next.defaultRoute;
    const v6 = next.v6?.defaultRoute;
    if (v6 !== undefined && v6.mode !== "unreachable" && v6.nexthops.length > 0) this.last6 = v6;
    const change = this.announce(reason, prev, next, result.flushed);
    return { commands, errors: result.errors, change, timings };
  }

  private remember(commands: Command[], observed: ObservedState): void {
    const originals: Record<string, string> = {};
    for (const c of commands) {
      const before = c.kind === "sysctl" ? observed.sysctls[c.key]?.trim() : undefined;
      if (c.kind === "sysctl" && before !== undefined) originals[c.key] = before;
    }
    if (Object.keys(originals).length > 0) this.deps.rememberSysctls?.(originals);
  }

  /** Others' objects are reported; one that would shadow or be overwritten refuses the first start. */
  private checkOwnership(found: Ownership): void {
    const { log } = this.deps;
    const all = [...found.conflicts, ...found.foreign];
    if (all.join("\n") !== [...this.others.conflicts, ...this.others.foreign].join("\n")) {
      for (const object of found.foreign) log.warn({ object }, "left alone: not wanpilot's");
      for (const object of found.conflicts) log.error({ object }, "conflict with wanpilot's routing");
    }
    this.others = found;
    if (this.desired === null && found.conflicts.length > 0)
      throw new WanpilotError("KERNEL_CONFLICT", `refusing to start: ${found.conflicts.join("; ")}`, {
        details: { conflicts: found.conflicts },
      });
  }

  /** Objects found in wanpilot's ranges that it did not create, conflicts first. */
  get foreign(): string[] {
    return [...this.others.conflicts, ...this.others.foreign];
  }

  private async readKernel(): Promise<ObservedState> {
    const { kernel } = this.deps;
    const config = this.config;
    if (this.addressesDue) {
      // Cleared first: a state arriving during the read asks for the next one.
      this.addressesDue = false;
      [this.addresses, this.addresses6] = await Promise.all([
        kernel.addresses(),
        kernel.addresses6?.() ?? Promise.resolve(new Map<string, InterfaceAddress[]>()),
      ]).catch((err: unknown) => {
        this.addressesDue = true;
        throw err;
      });
    }
    const observed = await kernel.observe(Object.keys(allSysctls(config)));
    this.observed = observed;
    const table = balanceTableId(config.links.map((l) => l.table));
    if (this.last === null) this.last = adoptDefaultRoute(config, observed, table);
    if (this.last6 === null) this.last6 = adoptDefaultRoute(config, observed, table, 6);
    return observed;
  }

  private inputs(observed: ObservedState): LinkInput[] {
    this.stale = this.staleNow();
    this.absent = this.config.links.filter((l) => !this.addresses.has(l.interface)).map((l) => l.name);
    return this.config.links.map((l) => ({
      ...linkInput(
        l,
        this.states.get(l.name),
        this.addresses.get(l.interface),
        tableGateway(observed, l.table),
      ),
      stale: this.stale.has(l.name),
      present: !this.absent.includes(l.name),
    }));
  }

  private inputs6(observed: ObservedState): LinkInput[] {
    return this.config.links
      .filter((l) => l.ipv6 !== undefined)
      .map((l) =>
        linkInput6(
          l,
          this.states6.get(l.name),
          this.addresses6.get(l.interface),
          tableGateway(observed, l.table, 6),
        ),
      );
  }

  /** A RouteChange when the default route or a rule's link changed, or connections were flushed. */
  private announce(
    reason: string,
    prev: DesiredState | null,
    next: DesiredState,
    flushed: RouteChange["flushed"],
  ): RouteChange | null {
    const what = describeChange(prev, next);
    if (what === null && !flushed.some((f) => f.connections > 0)) return null;
    const at = this.deps.now().toISOString();
    const change = routeChange(
      this.deps.newId(),
      at,
      `${reason} → ${what ?? "connections flushed"}`,
      next,
      flushed,
    );
    this.lastChange = { at, reason: change.reason };
    this.deps.log.info({ reason: change.reason, flushed }, "routing changed");
    this.deps.onChange?.(change);
    return change;
  }

  get current(): DesiredState | null {
    return this.desired;
  }

  /** The state to publish; connections are counted again when asked, else the last count is shown. */
  async state(countConnections: boolean): Promise<RouterState | null> {
    if (this.desired === null) return null;
    const clock = this.deps.clockMs ?? (() => performance.now());
    if (
      countConnections &&
      (this.counting !== null || countDue(clock(), this.lastCount, this.deps.countBudget))
    ) {
      const desired = this.desired;
      if (this.counting === null) {
        const { kernel } = this.deps;
        const cpuMs = this.deps.cpuMs ?? processCpuMs;
        const startedAtMs = clock();
        const cpu0 = cpuMs();
        const v6 = desired.v6?.links.map((l) => l.mark);
        // One family after the other, like the links: counting never takes more than one core.
        const count = async () => ({
          v4: await kernel.connectionsByMark(
            desired.links.map((l) => l.mark),
            desired.marks,
          ),
          v6: v6 === undefined ? null : await kernel.connectionsByMark(v6, desired.marks, "ipv6"),
        });
        this.counting = count()
          .catch((err: unknown) => {
            this.deps.log.warn({ err }, "counting connections failed");
            return null;
          })
          .finally(() => {
            this.lastCount = { startedAtMs, durationMs: cpuMs() - cpu0 };
            this.counting = null;
          });
      }
      const counted = await this.counting;
      this.counts = counted?.v4 ?? null;
      this.counts6 = counted?.v6 ?? null;
    }
    if (this.desired === null) return null;
    return routerState(
      this.desired,
      this.deps.now().toISOString(),
      this.counts,
      this.lastChange,
      this.foreign,
      this.counts6,
    );
  }
}
