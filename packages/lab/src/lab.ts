import { assertLinkAddress, inPrefix } from "./address.js";
import { LabError } from "./errors.js";
import { type FlowHost, type FlowsResult, type OpenFlowsOptions, openFlows } from "./flows.js";
import type { LabIpv6 } from "./ipv6.js";
import { type PingOptions, type PingResult, parsePingOutput, pingArgv } from "./ping.js";
import type { LabProcess, SpawnOptions } from "./process.js";
import type { LabResources } from "./resources.js";
import { renderInetRuleset, renderIspRuleset } from "./rulesets.js";
import {
  type CommandResult,
  inNamespace,
  ipBatch,
  nftApply,
  type RunOptions,
  run,
  sysctlSet,
} from "./run.js";
import { scriptPath } from "./scripts.js";
import {
  SingleStream,
  type StartStreamsOptions,
  type Stream,
  type StreamGroup,
  startStreams,
} from "./streams.js";
import type { IspInfo, LabNamespaces, LabTopology, LanInfo, ServerInfo } from "./topology.js";
import { type WanLinkState, waitForWanLink, wanLinkState } from "./wan-link.js";

/** An ISP by position in `lab.isps` (0-based) or by name ("isp1"). */
export type IspRef = number | string;

export interface WanAddress {
  /** The gateway's new address on the WAN. */
  readonly address: string;
  /** The modem's new address: the WAN's new gateway. */
  readonly gateway: string;
  readonly prefixLength?: number;
}

interface Impairment {
  lossPercent: number;
  upstreamCut: boolean;
  upstreamCutFamily: "ipv4" | "ipv6" | null;
}

const LINK_WAIT_MS = 5_000;

export function checkInteger(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LabError(
      "LAB_INVALID_OPTIONS",
      `${what}: ${value} must be an integer between ${min} and ${max}`,
    );
  }
  return value;
}

/** A running lab; see README.md for the topology and address plan. */
export class Lab {
  readonly id: string;
  readonly ns: LabNamespaces;
  readonly lan: LanInfo;
  readonly targets: readonly string[];
  readonly server: ServerInfo;
  /** The LAN's, the targets' and the server's IPv6 addresses; undefined unless created with `ipv6: true`. */
  readonly ipv6: LabIpv6 | undefined;
  private ispList: IspInfo[];
  private readonly impairments: Impairment[];
  private blocked: ReadonlySet<string> = new Set<string>();
  /** How many times a WAN was plugged in again (each time with new interface indexes). */
  private plugs = 0;

  constructor(
    private readonly topology: LabTopology,
    private readonly resources: LabResources,
  ) {
    this.id = topology.id;
    this.ns = topology.ns;
    this.lan = topology.lan;
    this.targets = topology.targets;
    this.server = topology.server;
    this.ipv6 = topology.ipv6;
    this.ispList = [...topology.isps];
    this.impairments = topology.isps.map(() => ({
      lossPercent: 0,
      upstreamCut: false,
      upstreamCutFamily: null,
    }));
  }

  get isps(): readonly IspInfo[] {
    return this.ispList;
  }

  isp(ref: IspRef): IspInfo {
    const found = typeof ref === "number" ? this.ispList[ref] : this.ispList.find((isp) => isp.name === ref);
    if (found === undefined) {
      throw new LabError("LAB_INVALID_OPTIONS", `no ISP ${JSON.stringify(ref)} in this lab`);
    }
    return found;
  }

  /** A namespace of this lab, by full name or role ("gw", "lan", "inet", "isp2"); anything else is refused. */
  namespace(nsOrRole: string): string {
    const name = this.resources.owns(nsOrRole) ? nsOrRole : `${this.id}-${nsOrRole}`;
    if (!this.resources.owns(name)) {
      throw new LabError("LAB_INVALID_OPTIONS", `"${nsOrRole}" is not a namespace of lab ${this.id}`);
    }
    return name;
  }

  /** Runs a command inside one of the lab's namespaces; returns stdout, throws LabError on failure. */
  async exec(ns: string, argv: readonly string[], options: RunOptions = {}): Promise<string> {
    return (await this.tryExec(ns, argv, options)).stdout;
  }

  /** Like exec, with the whole result; pass `okExitCodes` to accept failures you expect. */
  async tryExec(ns: string, argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    this.resources.assertLive();
    return run(inNamespace(this.namespace(ns), argv), options);
  }

  gwExec(argv: readonly string[], options: RunOptions = {}): Promise<string> {
    return this.exec(this.ns.gw, argv, options);
  }

  /** A long-running command inside a namespace; stopped when the lab is destroyed. */
  spawn(ns: string, argv: readonly string[], options?: SpawnOptions): LabProcess {
    return this.resources.spawn(inNamespace(this.namespace(ns), argv), options);
  }

  async pingFrom(ns: string, target: string, options: PingOptions = {}): Promise<PingResult> {
    const { argv, timeoutMs } = pingArgv(target, options);
    return parsePingOutput(await this.tryExec(ns, argv, { timeoutMs, okExitCodes: [0, 1, 2] }));
  }

  /**
   * The internet behind the ISP goes silent; its modem still answers ARP and ping from the gateway.
   * With `family`, only that family's upstream dies (an ISP whose IPv6 is down while IPv4 works).
   */
  cutUpstream(ref: IspRef, family?: "ipv4" | "ipv6"): Promise<void> {
    return this.impair(ref, { upstreamCut: true, upstreamCutFamily: family ?? null });
  }

  restoreUpstream(ref: IspRef): Promise<void> {
    return this.impair(ref, { upstreamCut: false, upstreamCutFamily: null });
  }

  /**
   * Random loss on the WAN link, applied in both directions so that a ping (request and reply)
   * is lost with probability `percent`/100. Covers the modem itself and everything behind it.
   */
  setLoss(ref: IspRef, percent: number): Promise<void> {
    return this.impair(ref, { lossPercent: percent });
  }

  clearLoss(ref: IspRef): Promise<void> {
    return this.impair(ref, { lossPercent: 0 });
  }

  private async impair(ref: IspRef, change: Partial<Impairment>): Promise<void> {
    const isp = this.isp(ref);
    const current = this.impairments[isp.index] ?? {
      lossPercent: 0,
      upstreamCut: false,
      upstreamCutFamily: null,
    };
    const next = { ...current, ...change };
    this.resources.assertLive();
    await nftApply(isp.ns, renderIspRuleset({ ...isp, ...next, inboundPorts: this.topology.inboundPorts }));
    this.impairments[isp.index] = next;
  }

  /** The modem's side of the WAN goes down: the gateway's WAN shows NO-CARRIER (operstate DOWN). */
  async carrierDown(ref: IspRef): Promise<void> {
    await this.setCarrier(ref, false);
  }

  async carrierUp(ref: IspRef): Promise<void> {
    await this.setCarrier(ref, true);
  }

  private async setCarrier(ref: IspRef, up: boolean): Promise<void> {
    const isp = this.isp(ref);
    this.resources.assertLive();
    await ipBatch(isp.ns, [`link set ${isp.modemInterface} ${up ? "up" : "down"}`]);
    // The kernel applies carrier changes asynchronously (linkwatch): the NO-CARRIER flag clears at once, but
    // until operstate is UP the queue is not attached and the first ARP requests are lost.
    const ready = (state: WanLinkState) => (up ? state.carrier && state.operstate === "UP" : !state.carrier);
    await waitForWanLink(this.ns.gw, isp.wanInterface, ready, LINK_WAIT_MS);
  }

  /** The gateway's WAN interface disappears, its modem's end with it: a USB modem pulled out. */
  async unplugWan(ref: IspRef): Promise<void> {
    const isp = this.isp(ref);
    this.resources.assertLive();
    await ipBatch(this.ns.gw, [`link del ${isp.wanInterface}`]);
  }

  /**
   * The WAN comes back after `unplugWan`: the same names and addresses, a new ifindex (a USB modem plugged in
   * again). Resolves once the gateway sees it up. The gateway's own settings for it start from `default`.
   */
  async plugWan(ref: IspRef): Promise<void> {
    const isp = this.isp(ref);
    this.resources.assertLive();
    // New indexes, never the peer's (see topology.ts: carrier changes are then handled at once).
    const n = ++this.plugs * 32 + isp.index;
    await ipBatch(this.ns.gw, [
      `link add ${isp.wanInterface} index ${1000 + n} type veth peer name ${isp.modemInterface} index ${5000 + n} netns ${isp.ns}`,
      `address add ${isp.gwAddress}/${isp.prefixLength} dev ${isp.wanInterface}`,
      `link set ${isp.wanInterface} up`,
    ]);
    await ipBatch(isp.ns, [
      `address add ${isp.modemAddress}/${isp.prefixLength} dev ${isp.modemInterface}`,
      `link set ${isp.modemInterface} up`,
    ]);
    await sysctlSet(this.ns.gw, [`net.ipv4.conf.${isp.wanInterface}.rp_filter=2`]);
    await waitForWanLink(
      this.ns.gw,
      isp.wanInterface,
      (st) => st.carrier && st.operstate === "UP",
      LINK_WAIT_MS,
    );
  }

  /** Carrier and operstate of the gateway's WAN interface, as the gateway sees them. */
  wanLinkState(ref: IspRef): Promise<WanLinkState> {
    return wanLinkState(this.ns.gw, this.isp(ref).wanInterface);
  }

  /** Renumbers a WAN link on both ends, like a DHCP/PPP lease changing address and gateway. */
  async setWanAddress(ref: IspRef, wan: WanAddress): Promise<IspInfo> {
    const isp = this.isp(ref);
    const prefixLength = checkInteger(wan.prefixLength ?? 24, 16, 30, "prefixLength");
    assertLinkAddress(wan.address, "address");
    assertLinkAddress(wan.gateway, "gateway");
    if (wan.address === wan.gateway || !inPrefix(wan.address, wan.gateway, prefixLength)) {
      throw new LabError(
        "LAB_INVALID_OPTIONS",
        `address and gateway must differ and share a /${prefixLength}`,
      );
    }
    this.resources.assertLive();
    const next: IspInfo = { ...isp, gwAddress: wan.address, modemAddress: wan.gateway, prefixLength };
    await ipBatch(isp.ns, [
      `address flush dev ${isp.modemInterface}`,
      `address add ${wan.gateway}/${prefixLength} dev ${isp.modemInterface}`,
    ]);
    await ipBatch(this.ns.gw, [
      `address flush dev ${isp.wanInterface}`,
      `address add ${wan.address}/${prefixLength} dev ${isp.wanInterface}`,
    ]);
    this.ispList[isp.index] = next;
    await this.impair(isp.index, {});
    return next;
  }

  /** The target (any address on inet's lo) stops answering anything, silently: e.g. for a probe quorum. */
  blockTarget(address: string): Promise<void> {
    return this.setBlocked(address, true);
  }

  unblockTarget(address: string): Promise<void> {
    return this.setBlocked(address, false);
  }

  private async setBlocked(address: string, blocked: boolean): Promise<void> {
    const v6 = this.ipv6 === undefined ? [] : [...this.ipv6.targets, this.ipv6.server];
    if (![...this.targets, this.server.address, ...v6].includes(address)) {
      throw new LabError("LAB_INVALID_OPTIONS", `${address} is not a target of this lab`);
    }
    this.resources.assertLive();
    const next = new Set(this.blocked);
    if (blocked) next.add(address);
    else next.delete(address);
    await nftApply(this.ns.inet, renderInetRuleset([...next]));
    this.blocked = next;
  }

  /**
   * For testing the lab itself (wanpilot's router owns the gateway's routing): a default route in the
   * gateway's main table, `weights[i]` for ISP i (0 = unused); one used ISP gives a plain `via` route.
   */
  async setDefaultRoute(weights: readonly number[]): Promise<void> {
    const used = weights
      .map((weight, index) => ({
        isp: this.isp(index),
        weight: checkInteger(weight, 0, 256, `weights[${index}]`),
      }))
      .filter((entry) => entry.weight > 0);
    const first = used[0];
    if (first === undefined) {
      throw new LabError("LAB_INVALID_OPTIONS", "weights: at least one must be above 0");
    }
    const route =
      used.length === 1
        ? `route replace default via ${first.isp.modemAddress} dev ${first.isp.wanInterface}`
        : `route replace default ${used
            .map((u) => `nexthop via ${u.isp.modemAddress} dev ${u.isp.wanInterface} weight ${u.weight}`)
            .join(" ")}`;
    this.resources.assertLive();
    await ipBatch(this.ns.gw, [route]);
  }

  async clearDefaultRoute(): Promise<void> {
    await this.tryExec(this.ns.gw, ["ip", "route", "del", "default"], { okExitCodes: [0, 2] });
  }

  /** Short TCP/UDP flows from the LAN host to the flow server; reports which ISP each took. */
  openFlows(options: OpenFlowsOptions = {}): Promise<FlowsResult> {
    return openFlows(this.flowHost(), options);
  }

  /**
   * `count` UDP flows from the LAN host to the lab's targets (one datagram each, distinct ports), each a
   * tracked connection in the gateway for as long as its UDP timeout; resolves with how many were sent.
   */
  async udpFlows(count: number, timeoutMs = 300_000): Promise<number> {
    const out = await this.exec(
      this.ns.lan,
      [process.execPath, scriptPath("udp-flows"), String(count), ...this.targets],
      { timeoutMs },
    );
    return Number(out.trim());
  }

  startStreams(options: StartStreamsOptions = {}): Promise<StreamGroup> {
    return startStreams(this.flowHost(), options);
  }

  /** One long-lived stream; `stop()` ends it. */
  async startStream(options: Omit<StartStreamsOptions, "count"> = {}): Promise<SingleStream> {
    const group = await this.startStreams({ ...options, count: 1 });
    return new SingleStream(group.streams[0] as Stream, group);
  }

  private flowHost(): FlowHost {
    return {
      exec: (ns: string, argv: readonly string[], options: { timeoutMs: number }) =>
        this.exec(ns, argv, options),
      spawn: (ns: string, argv: readonly string[]) => this.spawn(ns, argv),
      defaults: {
        ns: this.ns.lan,
        host: this.server.address,
        tcpPort: this.server.tcpPort,
        udpPort: this.server.udpPort,
      },
    };
  }

  get destroyed(): boolean {
    return this.resources.destroyed;
  }

  /** Stops every process and removes every namespace of the lab. Idempotent. */
  destroy(): Promise<void> {
    return this.resources.teardown();
  }
}
