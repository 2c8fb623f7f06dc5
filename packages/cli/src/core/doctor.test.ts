import { parseConfigText } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { type DoctorFacts, diagnose } from "./doctor.js";

const parsed = parseConfigText(`
gateway: g
links:
  - { name: a, interface: wan1 }
  - { name: b, interface: wan2 }
`);
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const config = parsed.config;

const healthy: DoctorFacts = {
  nodeVersion: "20.19.0",
  tools: {
    ip: "ip utility, iproute2-6.1.0, libbpf 1.1.2",
    nft: "nftables v1.0.6 (Lester Gooch #5)",
    conntrack: "conntrack v1.4.7 (conntrack-tools)",
    ping: "ping from iputils 20221126",
  },
  kernel: { nexthops: true, multipathHash: true, nftInet: true, ctMark: true },
  sysctlsWritable: true,
  forwardChains: [{ family: "inet", table: "filter", chain: "forward", policy: "accept" }],
  defaultRoutes: [
    { family: 4, dev: "wan1", metric: 100 },
    { family: 4, dev: "wan2", metric: 200 },
  ],
  addresses: [
    { dev: "wan1", address: "198.18.1.2" },
    { dev: "wan2", address: "198.18.2.2" },
  ],
  interfaces: ["lo", "wan1", "wan2"],
  rules: [{ priority: 10100, table: 101, fwmark: null, fwmask: null, protocol: 77 }],
  markSets: [{ family: "inet", table: "wanpilot", chain: "post", key: "ct mark", value: 0x10000 }],
  timeSynchronised: true,
};

const problems = (facts: Partial<DoctorFacts>) =>
  diagnose(config, { ...healthy, ...facts })
    .filter((f) => f.level === "error" || f.level === "warning")
    .map((f) => `${f.level} ${f.check}: ${f.message}`);

describe("doctor's checks", () => {
  it.each([
    [{}, []],
    [{ nodeVersion: "18.19.1" }, ["error node: Node 18.19.1 is not supported (20.19+ or 22+)"]],
    [{ nodeVersion: "22.1.0" }, []],
    [{ tools: { ...healthy.tools, nft: null } }, ["error tool nft: nft is not installed"]],
    [{ tools: { ...healthy.tools, ip: "ip utility, iproute2-ss190107" } }, []],
    [
      { tools: { ...healthy.tools, conntrack: "conntrack v1.4.4 (conntrack-tools)" } },
      [
        "error tool conntrack: conntrack is too old (conntrack v1.4.4 (conntrack-tools)); wanpilot needs conntrack 1.4.5 or later",
      ],
    ],
    [
      { kernel: { ...healthy.kernel, nexthops: false } },
      ["error kernel nexthops: the kernel lacks nexthop objects (ip nexthop)"],
    ],
    [
      { sysctlsWritable: false },
      [
        "error sysctls: net sysctls are read-only here (an unprivileged container?): the router cannot set forwarding, rp_filter or the multipath hash",
      ],
    ],
    [
      {
        addresses: [
          { dev: "wan1", address: "192.168.1.2" },
          { dev: "wan2", address: "192.168.1.2" },
        ],
      },
      // Look-alike links are told apart by interface, mark and probe ports (U15): only an info line.
      [],
    ],
    [
      { rules: [{ priority: 5000, table: 52, fwmark: 0x1000000, fwmask: 0xff000000 }] },
      [
        "warning foreign marks: ip rule priority 5000 matches fwmark 0x1000000, bits wanpilot uses for its links (0x7f000000)",
      ],
    ],
    // Tailscale's marks are clear of the default mark_mask.
    [{ rules: [{ priority: 5270, table: 52, fwmark: 0x80000, fwmask: 0xff0000 }] }, []],
    [
      { rules: [{ priority: 10050, table: 52, fwmark: null, fwmask: null, matchesAll: true }] },
      [
        "error foreign rules: ip rule priority 10050 (table 52) is in wanpilot's range 10000–10999, not wanpilot's, and catches every packet before its rules: the router refuses to start",
      ],
    ],
    [{ rules: [{ priority: 5000, table: 52, fwmark: 0x1, fwmask: 0xff }] }, []],
    [
      { timeSynchronised: false },
      ["warning time: time is not synchronised: outage times in the history and reports may be off"],
    ],
    [{ timeSynchronised: null }, []],
    [{ interfaces: ["lo", "wan1"] }, ["error links: link b: interface wan2 does not exist"]],
  ] as Array<[Partial<DoctorFacts>, string[]]>)("%j → %j", (facts, expected) => {
    expect(problems(facts)).toEqual(expected);
  });

  it("every problem comes with a fix", () => {
    const all = diagnose(config, {
      ...healthy,
      nodeVersion: "18.0.0",
      sysctlsWritable: false,
      defaultRoutes: [{ family: 6, dev: "wan1", metric: 0 }],
      forwardChains: [{ family: "ip", table: "filter", chain: "FORWARD", policy: "drop" }],
      timeSynchronised: false,
    }).filter((f) => f.level === "error" || f.level === "warning");
    expect(all.length).toBeGreaterThan(5);
    for (const f of all) expect(f.fix, f.message).toBeTruthy();
  });
});
