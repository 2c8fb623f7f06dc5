import { type LinkStateName, linkIdentity, MAX_LINKS } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { config, inputs } from "../../test/fixtures/core.js";
import { selectDefaultRoute } from "./balance.js";
import { computeDesired, desiredSysctls } from "./desired.js";
import { PRIORITY } from "./model.js";

describe("selectDefaultRoute", () => {
  const links = config().links;
  const run = (states: Record<string, LinkStateName>, balance = {}, last = null as never) =>
    selectDefaultRoute(
      { degraded: "demote", all_down: "keep", ...balance },
      links.map((link) => ({ link, state: states[link.name] ?? "unknown" })),
      last,
    );
  it.each([
    {
      name: "all up: tier 1 by weight",
      states: { dsl: "up", cable: "up", lte: "up" },
      balance: {},
      expected: {
        tier: 1,
        nexthops: [
          { link: "dsl", weight: 1 },
          { link: "cable", weight: 4 },
        ],
        mode: "balanced",
      },
    },
    {
      name: "one of tier 1 down",
      states: { dsl: "down", cable: "up", lte: "up" },
      balance: {},
      expected: { tier: 1, nexthops: [{ link: "cable", weight: 4 }], mode: "balanced" },
    },
    {
      name: "tier 1 down: tier 2 carries",
      states: { dsl: "down", cable: "down", lte: "up" },
      balance: {},
      expected: { tier: 2, nexthops: [{ link: "lte", weight: 1 }], mode: "balanced" },
    },
    {
      name: "degraded demoted to a quarter",
      states: { dsl: "up", cable: "degraded" },
      balance: {},
      expected: {
        tier: 1,
        nexthops: [
          { link: "dsl", weight: 1 },
          { link: "cable", weight: 1 },
        ],
        mode: "balanced",
      },
    },
    {
      name: "degraded kept",
      states: { dsl: "up", cable: "degraded" },
      balance: { degraded: "keep" },
      expected: {
        tier: 1,
        nexthops: [
          { link: "dsl", weight: 1 },
          { link: "cable", weight: 4 },
        ],
        mode: "balanced",
      },
    },
    {
      name: "degraded as down",
      states: { dsl: "up", cable: "degraded" },
      balance: { degraded: "down" },
      expected: { tier: 1, nexthops: [{ link: "dsl", weight: 1 }], mode: "balanced" },
    },
    {
      name: "unknown is not live; all unknown fails open over tier 1",
      states: {},
      balance: {},
      expected: {
        tier: 1,
        nexthops: [
          { link: "dsl", weight: 1 },
          { link: "cable", weight: 4 },
        ],
        mode: "all-down-keep",
      },
    },
    {
      name: "all down, unreachable",
      states: { dsl: "down", cable: "down", lte: "down" },
      balance: { all_down: "unreachable" },
      expected: { tier: null, nexthops: [], mode: "unreachable" },
    },
  ])("$name", ({ states, balance, expected }) => {
    expect(run(states as Record<string, LinkStateName>, balance)).toEqual(expected);
  });

  it("all down with keep keeps the last set", () => {
    const last = { tier: 2, nexthops: [{ link: "lte", weight: 1 }], mode: "balanced" as const };
    expect(run({ dsl: "down", cable: "down", lte: "down" }, {}, last as never)).toEqual({
      ...last,
      mode: "all-down-keep",
    });
  });
});

describe("desiredSysctls", () => {
  it.each([
    { hash: "l4", expected: { "net.ipv4.fib_multipath_hash_policy": "1" } },
    { hash: "l3", expected: { "net.ipv4.fib_multipath_hash_policy": "0" } },
    {
      hash: "host",
      expected: { "net.ipv4.fib_multipath_hash_policy": "3", "net.ipv4.fib_multipath_hash_fields": "0x0001" },
    },
  ])("hash $hash", ({ hash, expected }) => {
    const s = desiredSysctls(config({ balance: { hash } }, [{ name: "a", interface: "eth0.100" }]));
    expect(s).toEqual({
      "net.ipv4.ip_forward": "1",
      "net.ipv4.conf.eth0/100.rp_filter": "2",
      "net.ipv4.conf.eth0/100.ignore_routes_with_linkdown": "1",
      "net.ipv4.conf.eth0/100.src_valid_mark": "1",
      ...expected,
    });
  });
});

describe("computeDesired", () => {
  const cfg = config({
    rules: [
      { name: "voip", dst: "203.0.113.5", proto: "udp", dport: "5060-5061", via: ["cable", "dsl"] },
      { name: "bank", src: "198.18.100.10", via: ["dsl"], fallback: "refuse" },
    ],
  });

  it("builds tables, rules in the reserved range, and the balance route", () => {
    const d = computeDesired(cfg, inputs({ dsl: "up", cable: "up", lte: "up" }), null);
    expect(d.balanceTable).toBe(100);
    expect(d.ownedTables).toEqual([101, 102, 103, 100]);
    expect(d.rules.map((r) => [r.priority, r.src, r.fwmark, r.table, r.suppressPrefixLength])).toEqual([
      [10000, "all", null, 254, 0],
      [10100, "198.18.1.2", null, 101, null],
      [10101, "198.18.2.2", null, 102, null],
      [10102, "198.18.3.2", null, 103, null],
      [10200, "all", null, 101, null],
      [10201, "all", null, 102, null],
      [10202, "all", null, 103, null],
      [10400, "all", 0x1000000, 101, null],
      [10401, "all", 0x2000000, 102, null],
      [10402, "all", 0x3000000, 103, null],
      [10900, "all", null, 100, null],
    ]);
    expect(d.routes.filter((r) => r.table === 101).map((r) => [r.dst, r.nexthops[0]?.gateway])).toEqual([
      ["198.18.1.0/30", null],
      ["default", "198.18.1.1"],
    ]);
    expect(d.routes.find((r) => r.table === 100)?.nexthops).toEqual([
      { gateway: "198.18.1.1", dev: "wan1", weight: 1 },
      { gateway: "198.18.2.1", dev: "wan2", weight: 4 },
    ]);
  });

  it.each([
    {
      states: { dsl: "up", cable: "up" },
      expected: { voip: "cable", bank: "dsl" },
      via: [
        "meta mark set meta mark & 0x80ffffff | 0x2000000 return",
        "meta mark set meta mark & 0x80ffffff | 0x1000000 return",
      ],
    },
    {
      states: { dsl: "up", cable: "down" },
      expected: { voip: "dsl", bank: "dsl" },
      via: [
        "meta mark set meta mark & 0x80ffffff | 0x1000000 return",
        "meta mark set meta mark & 0x80ffffff | 0x1000000 return",
      ],
    },
    { states: { dsl: "down", cable: "down" }, expected: { voip: null, bank: null }, via: ["return", "drop"] },
  ])("rules fall over along via: $states", ({ states, expected, via }) => {
    const d = computeDesired(cfg, inputs(states as Record<string, LinkStateName>), null);
    expect(Object.fromEntries(d.trafficRules.map((r) => [r.name, r.active]))).toEqual(expected);
    expect(d.nft.text).toContain('ip daddr 203.0.113.5 udp dport 5060-5061 goto via_0 comment "rule voip"');
    expect(d.nft.text).toContain('ip saddr 198.18.100.10 goto via_1 comment "rule bank"');
    expect([...d.nft.vias.values()].map((v) => v.line.replace(/ comment .*/, ""))).toEqual(via);
    for (const v of d.nft.vias.values()) expect(d.nft.text).toContain(v.line);
  });

  it("nft: marks saved from the outgoing interface, restored, inbound symmetry, masquerade per link", () => {
    const c = config({}, [
      { name: "a", interface: "wan1" },
      { name: "b", interface: "wan2", masquerade: false },
    ]);
    const { text } = computeDesired(c, inputs({}), null).nft;
    expect(text).toContain(
      'ct mark & 0x7f000000 == 0x0 oifname "wan2" ct mark set ct mark & 0x80ffffff | 0x2000000',
    );
    expect(text).toContain(
      "ct mark & 0x7f000000 == 0x1000000 meta mark set meta mark & 0x80ffffff | 0x1000000",
    );
    expect(text).toContain('ct state new iifname "wan2" ct mark & 0x7f000000 == 0x0 ct mark set');
    expect(text).toContain('oifname "wan1" meta nfproto ipv4 masquerade');
    expect(text).not.toContain('oifname "wan2" meta nfproto ipv4 masquerade');
  });

  it("link states change only the via chains; the table hash stays", () => {
    const a = computeDesired(cfg, inputs({ dsl: "up", cable: "up" }), null).nft;
    const b = computeDesired(cfg, inputs({ dsl: "up", cable: "up", lte: "down" }), null).nft;
    const c = computeDesired(cfg, inputs({ dsl: "down", cable: "up" }), null).nft;
    expect(a.text).toBe(b.text);
    expect(a.hash).toBe(c.hash);
    expect(a.vias.get("via_0")).toEqual(c.vias.get("via_0"));
    expect(a.vias.get("via_1")?.tag).not.toBe(c.vias.get("via_1")?.tag);
    const other = computeDesired(config({ rules: [] }), inputs({ dsl: "up", cable: "up" }), null).nft;
    expect(other.hash).not.toBe(a.hash);
  });

  it("learned addresses: no source yet → no from-rule; point-to-point → dev route", () => {
    const d = computeDesired(
      cfg,
      [{ name: "lte", state: "up", source: null, gateway: null, prefixLength: null }],
      null,
    );
    expect(d.rules.some((r) => r.table === 103 && r.src !== "all")).toBe(false);
    expect(d.routes.filter((r) => r.table === 103)).toEqual([
      {
        table: 103,
        dst: "default",
        type: "unicast",
        metric: 0,
        nexthops: [{ gateway: null, dev: "wwan0", weight: 1 }],
        src: null,
      },
    ]);
  });

  it("an interface that is not there (unplugged, set down): no routes through it, its rules stay", () => {
    const gone = inputs({ dsl: "up", cable: "down" }).map((i) =>
      i.name === "dsl" ? { ...i, present: false } : i,
    );
    const d = computeDesired(cfg, gone, null);
    expect(d.routes.filter((r) => r.table === 101)).toEqual([]);
    expect(d.rules.filter((r) => r.table === 101).length).toBe(3);
    // Every link down, `keep`: the last set keeps only the links whose interface is there.
    const last = {
      tier: 1,
      nexthops: [
        { link: "dsl", weight: 1 },
        { link: "cable", weight: 4 },
      ],
      mode: "balanced" as const,
    };
    const kept = computeDesired(
      cfg,
      gone.map((i) => ({ ...i, state: "down" as const })),
      last,
    );
    expect(kept.defaultRoute).toEqual({
      ...last,
      mode: "all-down-keep",
      nexthops: [{ link: "cable", weight: 4 }],
    });
    expect(kept.routes.find((r) => r.table === 100)?.nexthops.map((n) => n.dev)).toEqual(["wan2"]);
  });

  it("look-alike links (same address, same gateway): no from-rule, each routed by its mark and probe ports", () => {
    const same = { source: "198.18.50.100", gateway: "198.18.50.1", prefixLength: 24 };
    const d = computeDesired(
      cfg,
      [
        { name: "dsl", state: "up", ...same },
        { name: "cable", state: "up", ...same },
        { name: "lte", state: "up", source: "198.18.3.2", gateway: "198.18.3.1", prefixLength: 30 },
      ],
      null,
    );
    const line = (r: (typeof d.rules)[number]) =>
      `${r.priority} ${r.src}${r.iif === undefined ? "" : ` iif ${r.iif}`}${r.sport === undefined ? "" : ` sport ${r.sport.first}-${r.sport.last}`}${r.fwmark === null ? "" : ` fwmark ${r.fwmark.toString(16)}`} → ${r.table}`;
    expect(d.rules.filter((r) => r.table !== 254 && r.table !== 100).map(line)).toEqual([
      // Only lte's address is its own.
      "10102 198.18.3.2 → 103",
      "10200 all iif lo sport 61000-61015 → 101",
      "10201 all iif lo sport 61016-61031 → 102",
      "10202 all iif lo sport 61032-61047 → 103",
      "10400 all fwmark 1000000 → 101",
      "10401 all fwmark 2000000 → 102",
      "10402 all fwmark 3000000 → 103",
    ]);
    // Each table's routes go by its own interface.
    expect(
      d.routes.filter((r) => r.dst === "default" && r.table !== 100).map((r) => r.nexthops[0]?.dev),
    ).toEqual(["wan1", "wan2", "wwan0"]);
  });

  it("marks and probe ports are the ones the prober uses (common's linkIdentity)", () => {
    const d = computeDesired(cfg, inputs({ dsl: "up", cable: "up", lte: "up" }), null);
    const ids = cfg.links.map((l) => linkIdentity(cfg, l.name));
    expect(d.links.map((l) => l.mark)).toEqual(ids.map((i) => i?.mark));
    expect(d.rules.filter((r) => r.sport !== undefined).map((r) => r.sport)).toEqual(
      ids.map((i) => i?.probePorts),
    );
  });

  it("a link owning table 100 moves the balance table", () => {
    const c = config({}, [{ name: "a", interface: "wan1", table: 100 }]);
    expect(computeDesired(c, [], null).balanceTable).toBe(99);
  });
});

describe("rule priority ranges", () => {
  it("hold MAX_LINKS links each without reaching the next range", () => {
    const ranges = [PRIORITY.fromSource, PRIORITY.probePorts, PRIORITY.fwmark, PRIORITY.balance];
    for (const [i, first] of ranges.slice(0, -1).entries())
      expect(first + MAX_LINKS - 1).toBeLessThan(ranges[i + 1] ?? 0);
    expect(PRIORITY.suppressMain).toBeLessThan(PRIORITY.fromSource);
  });
});
