import { describe, expect, it } from "vitest";
import { validateConfig } from "./parse.js";

const link = (ipv6: unknown) => ({
  links: [{ name: "dsl", interface: "wan1", ...(ipv6 === undefined ? {} : { ipv6 }) }],
});

describe("links[].ipv6", () => {
  it.each([
    { ipv6: undefined, expected: undefined },
    { ipv6: false, expected: undefined },
    {
      ipv6: true,
      expected: {
        targets: ["2606:4700:4700::1111", "2001:4860:4860::8888", "2620:fe::fe"].map((h) => ({
          name: h,
          host: h,
          method: "icmp",
        })),
      },
    },
    {
      ipv6: { gateway: "fe80::1", source: "2001:db8:1::2", targets: ["2001:db8:ffff::1"] },
      expected: {
        gateway: "fe80::1",
        source: "2001:db8:1::2",
        targets: [{ name: "2001:db8:ffff::1", host: "2001:db8:ffff::1", method: "icmp" }],
      },
    },
  ])("$ipv6 → $expected", ({ ipv6, expected }) => {
    const r = validateConfig(link(ipv6));
    if (!r.ok) throw new Error(r.problems.join("\n"));
    expect(r.config.links[0]?.ipv6).toEqual(expected);
  });

  it("nat66: masquerade by default, or NPTv6 between two prefixes of one length", () => {
    const npt = (n: Record<string, unknown>) => validateConfig(link({ nat66: { npt: n } }));
    const ok = npt({ lan: "2001:db8:100::/64", prefix: "2001:db8:1:1::/64" });
    if (!ok.ok) throw new Error(ok.problems.join("\n"));
    expect(ok.config.links[0]?.ipv6?.npt).toEqual({ lan: "2001:db8:100::/64", prefix: "2001:db8:1:1::/64" });
    const masq = validateConfig(link({ nat66: "masquerade" }));
    expect(masq.ok && masq.config.links[0]?.ipv6?.npt).toBeUndefined();
    const problems = (r: ReturnType<typeof validateConfig>) => (r.ok ? [] : r.problems);
    expect(problems(npt({ lan: "2001:db8:100::/64", prefix: "2001:db8:1::/48" }))).toEqual([
      "links[0].ipv6.nat66.npt.prefix: must be as long as lan (/64): NPTv6 maps the host bits 1:1",
    ]);
    expect(problems(npt({ lan: "2001:db8:100::1/64", prefix: "2001:db8:1:1::/64" }))).toEqual([
      'links[0].ipv6.nat66.npt.lan: "2001:db8:100::1/64" is not an IPv6 prefix (like 2001:db8:1:100::/64, host bits zero)',
    ]);
  });

  it("traffic rules take IPv6 prefixes; src and dst of one rule share a family", () => {
    const rules = (r: Record<string, unknown>) =>
      validateConfig({ ...link(true), rules: [{ name: "r", via: ["dsl"], ...r }] });
    expect(rules({ src: "2001:db8:100::/64", dst: "2001:db8:ffff::1" }).ok).toBe(true);
    const mixed = rules({ src: "2001:db8:100::/64", dst: "203.0.113.0/24" });
    expect(mixed.ok ? [] : mixed.problems).toEqual([
      "rules[0].dst: src and dst must be of the same family (IPv4 or IPv6)",
    ]);
    const hostBits = rules({ src: "2001:db8:100::1/64" });
    expect(hostBits.ok ? [] : hostBits.problems).toEqual([
      'rules[0].src: "2001:db8:100::1/64" is not an IPv4 or IPv6 prefix (like 198.51.100.0/24 or 2001:db8:100::/64, host bits zero)',
    ]);
  });

  it.each([
    [{ gateway: "198.18.1.1" }, 'links[0].ipv6.gateway: "198.18.1.1" is not an IPv6 address'],
    [{ source: "fe80::2" }, "links[0].ipv6.source: must be a global address, not link-local (fe80::/10)"],
    [
      { targets: ["1.1.1.1"] },
      "links[0].ipv6.targets[0]: 1.1.1.1 is an IPv4 address; IPv6 targets are IPv6 addresses or names",
    ],
    [{ targets: [] }, "links[0].ipv6.targets: needs at least 1 item(s)"],
  ])("%j is refused with its path", (ipv6, problem) => {
    const r = validateConfig(link(ipv6));
    expect(r.ok ? [] : r.problems, JSON.stringify(r)).toContain(problem);
  });
});
