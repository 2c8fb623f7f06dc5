import { normalizeTarget, validateConfig } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { formatBytes, monthlyProbeBytes, probeBytes } from "./probe-traffic.js";

describe("bytes of one probe, both directions, IP headers included", () => {
  it.each([
    { what: "icmp: echo and reply of 20 + 8 + 56", target: "1.1.1.1", bytes: 168 },
    { what: "icmp over IPv6", target: "2001:db8::1", bytes: 208 },
    {
      what: "tcp: SYN and SYN-ACK (60), ACK and RST (52)",
      target: { host: "9.9.9.9", method: "tcp" as const, port: 443 },
      bytes: 224,
    },
    {
      what: "dns: a query for example.com (57) and its answer with one A record (73)",
      target: { host: "8.8.8.8", method: "dns" as const },
      bytes: 130,
    },
    {
      what: "http: handshake and reset, the request, a 500-byte response and an ACK",
      target: { method: "http" as const, url: "http://example.com/" },
      bytes: 224 + 3 * 52 + 90 + 500,
    },
    {
      what: "https: the same and a TLS handshake",
      target: { method: "https" as const, url: "https://example.com/" },
      bytes: 224 + 3 * 52 + 90 + 500 + 5000,
    },
  ])("$what: $bytes", ({ target, bytes }) => {
    expect(probeBytes(normalizeTarget(target))).toBe(bytes);
  });
});

describe("a link's probe traffic per 30-day month", () => {
  const link = (probe: Record<string, unknown>) => {
    const r = validateConfig({ links: [{ name: "a", interface: "wan1", probe }] });
    if (!r.ok) throw new Error(r.problems.join("\n"));
    return r.config.links[0] as NonNullable<(typeof r.config.links)[0]>;
  };

  it("defaults: 3 targets × 168 bytes every 200 ms ≈ 6.53 GB; on standby every 30 s ≈ 43.5 MB (under 50 MB)", () => {
    expect(monthlyProbeBytes(link({}))).toEqual({ full: 6_531_840_000, standby: 43_545_600 });
  });

  it("a link with ipv6 counts its IPv6 targets too (208 bytes each): both judges follow the standby rate", () => {
    const r = validateConfig({
      links: [{ name: "a", interface: "wan1", ipv6: { targets: ["2001:db8::1", "2001:db8::2"] } }],
    });
    if (!r.ok) throw new Error(r.problems.join("\n"));
    const a = r.config.links[0];
    if (a === undefined) throw new Error("no link");
    // (3 × 168 + 2 × 208) bytes a round
    expect(monthlyProbeBytes(a)).toEqual({
      full: (6_531_840_000 / 504) * 920,
      standby: (43_545_600 / 504) * 920,
    });
  });

  it("standby_interval equal to interval: the same figure twice", () => {
    const b = monthlyProbeBytes(link({ interval: "2s", standby_interval: "2s" }));
    expect(b.standby).toBe(b.full);
  });
});

describe("formatBytes", () => {
  it.each([
    [4_354_560_000, "4.35 GB"],
    [43_545_600, "43.5 MB"],
    [435_456_000, "435 MB"],
    [999_950_000, "1000 MB"],
    [1500, "1.50 kB"],
    [168, "168 B"],
  ])("%d → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
