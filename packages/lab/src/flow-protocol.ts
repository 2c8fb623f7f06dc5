/**
 * JSON-line contracts between the lab and its two helper scripts (flow-server, flow-client),
 * which run as separate `node` processes inside namespaces.
 */

export interface FlowServerConfig {
  readonly tcpPort: number;
  readonly udpPort: number;
  /** UDP sockets bind to each address (a wildcard socket would answer from the wrong source address). */
  readonly udpAddresses: readonly string[];
  /** Peer (public) address → ISP name. */
  readonly peers: Readonly<Record<string, string>>;
  /** TCP listens on `::` (both families) instead of 0.0.0.0. */
  readonly dualStack?: boolean;
}

/** First line on every TCP connection, and the reply to every UDP datagram. */
export interface FlowGreeting {
  readonly isp: string;
  readonly peer: string;
  /** UDP only: the datagram's payload, echoed so the client can match replies. */
  readonly id?: string;
}

export interface FlowsConfig {
  readonly mode: "flows";
  readonly host: string;
  readonly port: number;
  readonly proto: "tcp" | "udp";
  readonly count: number;
  readonly from?: string;
  readonly timeoutMs: number;
  readonly concurrency: number;
}

export interface StreamsConfig {
  readonly mode: "streams";
  readonly host: string;
  readonly port: number;
  readonly count: number;
  readonly from?: string;
  readonly connectTimeoutMs: number;
  readonly intervalMs: number;
  readonly chunkBytes: number;
  readonly durationMs: number;
  readonly reportMs: number;
}

export type FlowClientConfig = FlowsConfig | StreamsConfig;

export type FlowClientEvent =
  | { readonly event: "flow"; readonly index: number; readonly isp?: string; readonly error?: string }
  | { readonly event: "connected"; readonly index: number; readonly isp: string }
  | { readonly event: "closed"; readonly index: number; readonly error?: string }
  | { readonly event: "bytes"; readonly bytes: readonly number[] }
  | { readonly event: "done" };

export function parseJsonLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
