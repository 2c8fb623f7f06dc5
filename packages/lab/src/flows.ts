import { LabError } from "./errors.js";
import type { FlowsConfig } from "./flow-protocol.js";
import { parseJsonLine } from "./flow-protocol.js";
import type { LabProcess } from "./process.js";
import { scriptPath } from "./scripts.js";

export interface FlowTarget {
  /** Namespace to run the client in (default: the LAN host). */
  readonly ns?: string;
  /** Source address to bind (default: the kernel's choice, i.e. the first LAN host address). */
  readonly from?: string;
  /** Destination (default: the lab's flow server). */
  readonly host?: string;
  readonly port?: number;
}

export interface OpenFlowsOptions extends FlowTarget {
  /** Number of flows, each a new source port (1..10000, default 1). */
  readonly count?: number;
  readonly proto?: "tcp" | "udp";
  /** Per-flow timeout (default 2000 ms). */
  readonly timeoutMs?: number;
  /** Flows in flight at once (default 32). */
  readonly concurrency?: number;
}

export interface FlowOutcome {
  readonly index: number;
  readonly isp?: string;
  readonly error?: string;
}

export interface FlowsResult {
  readonly flows: readonly FlowOutcome[];
  /** Successful flows per ISP name. */
  readonly byIsp: Readonly<Record<string, number>>;
  readonly failed: number;
}

/** What flows.ts needs from the lab: run a command, spawn a process, know the defaults. */
export interface FlowHost {
  exec(ns: string, argv: readonly string[], options: { timeoutMs: number }): Promise<string>;
  spawn(ns: string, argv: readonly string[]): LabProcess;
  readonly defaults: {
    readonly ns: string;
    readonly host: string;
    readonly tcpPort: number;
    readonly udpPort: number;
  };
}

export function checkCount(count: number, max: number): void {
  if (!Number.isInteger(count) || count < 1 || count > max) {
    throw new LabError("LAB_INVALID_OPTIONS", `count: ${count} must be an integer between 1 and ${max}`);
  }
}

export function summarizeFlows(lines: readonly string[]): FlowsResult {
  const flows: FlowOutcome[] = [];
  const byIsp: Record<string, number> = {};
  for (const line of lines) {
    const event = parseJsonLine(line);
    if (event?.event !== "flow" || typeof event.index !== "number") continue;
    if (typeof event.isp === "string") {
      flows.push({ index: event.index, isp: event.isp });
      byIsp[event.isp] = (byIsp[event.isp] ?? 0) + 1;
    } else {
      flows.push({ index: event.index, error: typeof event.error === "string" ? event.error : "unknown" });
    }
  }
  flows.sort((a, b) => a.index - b.index);
  return { flows, byIsp, failed: flows.filter((flow) => flow.isp === undefined).length };
}

export async function openFlows(host: FlowHost, options: OpenFlowsOptions = {}): Promise<FlowsResult> {
  const count = options.count ?? 1;
  checkCount(count, 10_000);
  const proto = options.proto ?? "tcp";
  const timeoutMs = options.timeoutMs ?? 2_000;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 32, 256));
  const config: FlowsConfig = {
    mode: "flows",
    host: options.host ?? host.defaults.host,
    port: options.port ?? (proto === "tcp" ? host.defaults.tcpPort : host.defaults.udpPort),
    proto,
    count,
    timeoutMs,
    concurrency,
    ...(options.from === undefined ? {} : { from: options.from }),
  };
  const rounds = Math.ceil(count / concurrency);
  const stdout = await host.exec(
    options.ns ?? host.defaults.ns,
    [process.execPath, scriptPath("flow-client"), JSON.stringify(config)],
    { timeoutMs: rounds * timeoutMs + 10_000 },
  );
  return summarizeFlows(stdout.split("\n"));
}
