import { isIpv6, type LinkConfig, type ProbeTarget } from "@wanpilot/common";

/** The month of a metered plan, as check-config counts it. */
export const MONTH_MS = 30 * 86_400_000;

const IP4 = 20;
const IP6 = 40;
const ICMP = 8;
const UDP = 8;
/** TCP header with the timestamps option Linux sends on every segment; SYNs also carry MSS, SACK and window scale. */
const TCP = 32;
const TCP_SYN = 40;
/** `ping`'s default payload (-s 56). */
const PING_PAYLOAD = 56;
/** One A record in the answer, its name a pointer to the question. */
const DNS_ANSWER = 16;
/** An http response we do not know in advance: a short one (status line, a few headers, a small body). */
const HTTP_RESPONSE = 500;
/** A TLS 1.3 handshake is dominated by the server's certificate chain: a typical one, both directions. */
const TLS_HANDSHAKE = 5000;

/** Segments of a connection opened and reset: SYN, SYN-ACK, ACK, RST (the probes reset, never FIN). */
function tcpOpenReset(ip: number): number {
  return 2 * (ip + TCP_SYN) + 2 * (ip + TCP);
}

function dnsQuestion(name: string): number {
  const labels = name.split(".").filter((l) => l.length > 0);
  return 12 + labels.reduce((n, l) => n + l.length + 1, 1) + 4;
}

/** The request line and headers node's http.get sends for this probe. */
function httpRequest(url: URL): number {
  const path = `${url.pathname}${url.search}`;
  return `GET ${path} HTTP/1.1\r\nuser-agent: wanpilot-prober\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`
    .length;
}

/**
 * Bytes one probe of `t` puts on the link, both directions, counted as IP packets (headers included,
 * link-layer framing and retransmissions not): exact for icmp, tcp and dns (one A record answered);
 * http/https count a 500-byte response and https a typical 5 kB TLS handshake.
 */
export function probeBytes(t: ProbeTarget): number {
  const ip = isIpv6(t.host) ? IP6 : IP4;
  switch (t.method) {
    case "icmp":
      return 2 * (ip + ICMP + PING_PAYLOAD);
    case "tcp":
      return tcpOpenReset(ip);
    case "dns": {
      const query = ip + UDP + dnsQuestion(t.query ?? "example.com");
      return 2 * query + DNS_ANSWER;
    }
    case "http":
    case "https": {
      const url = new URL(t.url ?? `${t.method}://${t.host}/`);
      const tls = t.method === "https" ? TLS_HANDSHAKE : 0;
      // request, response and an ACK of it, each with its own TCP/IP header
      return tcpOpenReset(ip) + 3 * (ip + TCP) + httpRequest(url) + HTTP_RESPONSE + tls;
    }
  }
}

/**
 * A link's probe traffic per month (MONTH_MS) at the full and at the standby rate, in bytes: both families'
 * targets (the IPv6 judge follows the same rates).
 */
export function monthlyProbeBytes(link: Pick<LinkConfig, "probe" | "ipv6">): {
  full: number;
  standby: number;
} {
  const targets = [...link.probe.targets, ...(link.ipv6?.targets ?? [])];
  const round = targets.reduce((n, t) => n + probeBytes(t), 0);
  return {
    full: Math.round((round * MONTH_MS) / link.probe.interval),
    standby: Math.round((round * MONTH_MS) / link.probe.standby_interval),
  };
}

/** Decimal units, as metered plans count: 4.35 GB, 43.5 MB. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1e12, "TB"],
    [1e9, "GB"],
    [1e6, "MB"],
    [1e3, "kB"],
  ];
  for (const [size, unit] of units) {
    const v = bytes / size;
    if (v >= 1) return `${v >= 100 ? Math.round(v) : v.toPrecision(3)} ${unit}`;
  }
  return `${bytes} B`;
}
