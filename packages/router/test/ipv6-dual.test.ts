import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, labConfig, linkState, newLab, setStates, share } from "./harness.js";
import { linkState6, server6, setStates6 } from "./harness6.js";

const PORT = 8080;
// A port forward to a LAN server (the user's own firewall table, beside wanpilot's).
const forward6 = (host: string) => `table ip6 wp_test_fwd6 {}
delete table ip6 wp_test_fwd6
table ip6 wp_test_fwd6 {
  chain pre { type nat hook prerouting priority dstnat; policy accept;
    iifname "wan*" tcp dport ${PORT} dnat to [${host}]:${PORT}
  }
}
`;
const SERVER = `require("net").createServer((s) => s.end("hello " + s.remoteAddress + "\\n")).listen(${PORT}, "::")`;
const CLIENT = (host: string) => `const s = require("net").connect(${PORT}, "${host}");
let out = ""; s.on("data", (d) => (out += d)); s.on("end", () => { process.stdout.write(out); process.exit(0); });
s.on("error", (e) => { process.stdout.write("error " + e.code); process.exit(0); });
setTimeout(() => { process.stdout.write("timeout"); process.exit(0); }, 3000);`;

const dual = (lab: Lab, weights: number[]) =>
  labConfig(
    lab,
    weights.map((weight) => ({ weight, ipv6: true })),
  );

describe("IPv6 dual-stack routing (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 3, name: "rtdual", ipv6: true });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("weights 1:2:3 split 1500 IPv6 flows by sixths, through nat66 on each WAN", async () => {
    const c = controller(lab, dual(lab, [1, 2, 3]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    await setStates6(lab, c, ["up", "up", "up"]);
    const r = await lab.openFlows({ count: 1500, concurrency: 64, host: server6(lab) });
    expect(r.failed).toBe(0);
    [1 / 6, 2 / 6, 3 / 6].forEach((ideal, i) => {
      expect(Math.abs(share(r.byIsp, `isp${i + 1}`) - ideal)).toBeLessThan(0.04);
    });
    const udp = await lab.openFlows({ count: 60, proto: "udp", host: server6(lab) });
    expect(udp.failed).toBe(0);
  });

  it("IPv6 upstream cut behind a live modem: new IPv6 flows avoid it, IPv6 streams elsewhere and IPv4 streams on it keep flowing", async () => {
    const c = controller(lab, dual(lab, [1, 1, 1]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    await setStates6(lab, c, ["up", "up", "up"]);
    const v6 = await lab.startStreams({ count: 18, durationMs: 60_000, host: server6(lab) });
    const v4 = await lab.startStreams({ count: 12, durationMs: 60_000 });
    try {
      const v6OnIsp1 = v6.streams.filter((s) => s.isp === "isp1");
      const v6Healthy = v6.streams.filter((s) => s.isp !== "isp1");
      const v4OnIsp1 = v4.streams.filter((s) => s.isp === "isp1");
      expect([v6OnIsp1.length > 0, v6Healthy.length > 0, v4OnIsp1.length > 0]).toEqual([true, true, true]);
      // An IPv6-only fault behind a live modem: the ISP's IPv6 dies, its IPv4 lives on (the prober says so per family).
      await lab.cutUpstream(0, "ipv6");
      const down = await c.onLinkState6(linkState6(lab, 0, "down", "IPv6 targets silent"));
      expect(down?.change?.ipv6?.flushed).toEqual([{ link: "isp1", connections: expect.any(Number) }]);
      expect(down?.change?.ipv6?.flushed[0]?.connections).toBeGreaterThanOrEqual(v6OnIsp1.length);
      expect(down?.change?.flushed).toEqual([]);
      expect(down?.change?.defaultRoute.nexthops.map((n) => n.link)).toEqual(["isp1", "isp2", "isp3"]);
      const during6 = await lab.openFlows({ count: 150, concurrency: 32, host: server6(lab) });
      expect(during6.failed).toBe(0);
      expect(during6.byIsp.isp1 ?? 0).toBe(0);
      const during4 = await lab.openFlows({ count: 150, concurrency: 32 });
      expect(during4.failed).toBe(0);
      expect(during4.byIsp.isp1 ?? 0).toBeGreaterThan(0);
      for (const s of [...v6Healthy, ...v4.streams]) expect(await s.waitForProgress(3000, 64)).toBe(true);
      expect([...v6Healthy, ...v4.streams].filter((s) => s.closed())).toEqual([]);
      // The dead link's IPv6 streams were flushed: their next packet takes a live link and is reset.
      expect(await v6.waitFor(() => (v6OnIsp1.every((s) => s.closed()) ? true : undefined), 10_000)).toBe(
        true,
      );
      // Recovery moves nothing and flushes nothing.
      await lab.restoreUpstream(0);
      const up = await c.onLinkState6(linkState6(lab, 0, "up", "recovered"));
      expect(up?.change?.ipv6?.flushed ?? []).toEqual([]);
      const after = await lab.openFlows({ count: 150, concurrency: 32, host: server6(lab) });
      expect(after.byIsp.isp1 ?? 0).toBeGreaterThan(0);
    } finally {
      await v6.stop();
      await v4.stop();
    }
  });

  it("a second and a restarted router change nothing in either family; IPv6 off: its objects go, IPv4's stay", async () => {
    const config = dual(lab, [1, 2, 3]);
    const first = controller(lab, config);
    await first.reconcile("start", true);
    await setStates(lab, first, ["up", "up", "up"]);
    await setStates6(lab, first, ["up", "down", "up"]);
    const v6 = (what: string) =>
      lab.gwExec(["ip", "-6", what, "show", ...(what === "route" ? ["table", "all"] : [])]);
    const before = [await v6("rule"), await v6("route")];
    for (const again of [controller(lab, config), controller(lab, config)]) {
      const start = await again.reconcile("start", true);
      await setStates(lab, again, ["up", "up", "up"]);
      await setStates6(lab, again, ["up", "down", "up"]);
      expect(start.commands).toEqual([]);
      expect([await v6("rule"), await v6("route")]).toEqual(before);
    }
    expect(before[0]?.split("\n").filter((r) => /^10\d{3}:/.test(r))).toHaveLength(11);
    // A reload without IPv6: every IPv6 rule and route of wanpilot's goes, nat66 too; IPv4 keeps working.
    const off = controller(lab, labConfig(lab, [{}, {}, {}]));
    await off.reconcile("reload", true);
    expect((await v6("rule")).split("\n").filter((r) => /^10\d{3}:/.test(r))).toEqual([]);
    expect(await lab.gwExec(["ip", "-6", "route", "show", "table", "all", "proto", "77"])).toBe("");
    expect(await lab.gwExec(["nft", "list", "table", "inet", "wanpilot"])).not.toContain("ipv6");
    await setStates(lab, off, ["up", "up", "up"]);
    expect((await lab.openFlows({ count: 30 })).failed).toBe(0);
  });

  it("an inbound IPv6 connection on either WAN is answered over that WAN, even off the IPv6 default route", async () => {
    // isp2 and isp3 are tier 2: IPv6 replies leave by isp1 unless the connection's mark sends them back.
    const c = controller(
      lab,
      labConfig(
        lab,
        [1, 2, 2].map((tier) => ({ tier, ipv6: true })),
      ),
    );
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    await setStates6(lab, c, ["up", "up", "up"]);
    await lab.exec(lab.ns.gw, ["nft", "-f", "-"], { input: forward6(lab.ipv6?.lan.hostAddress ?? "") });
    const server = lab.spawn(lab.ns.lan, [process.execPath, "-e", SERVER]);
    try {
      const ask = (isp: number) =>
        lab.exec(lab.ns.inet, [process.execPath, "-e", CLIENT(lab.isps[isp]?.ipv6?.gwAddress ?? "")], {
          timeoutMs: 10_000,
        });
      let first = "";
      for (let i = 0; i < 50 && !first.startsWith("hello"); i++) first = await ask(0); // server start-up
      expect(first).toMatch(/^hello /);
      expect(await ask(1)).toMatch(/^hello /);
      expect(await ask(2)).toMatch(/^hello /);
    } finally {
      await server.stop();
      await lab.exec(lab.ns.gw, ["nft", "delete", "table", "ip6", "wp_test_fwd6"]);
    }
  });

  it("a traffic rule with an IPv6 prefix pins IPv6 flows and falls over by the links' IPv6 state", async () => {
    const host = lab.ipv6?.lan.hostAddress ?? "";
    const rules = [{ name: "v6host", src: host, via: ["isp3", "isp1"] }];
    const c = controller(
      lab,
      labConfig(
        lab,
        [{}, {}, {}].map(() => ({ ipv6: true })),
        { rules },
      ),
    );
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    await setStates6(lab, c, ["up", "up", "up"]);
    const pinned = await lab.openFlows({ count: 60, concurrency: 16, host: server6(lab) });
    expect([pinned.failed, pinned.byIsp]).toEqual([0, { isp3: 60 }]);
    const v4 = await lab.openFlows({ count: 60, concurrency: 16 });
    expect(Object.keys(v4.byIsp).length).toBeGreaterThan(1); // IPv4 is not the rule's
    await c.onLinkState6(linkState6(lab, 2, "down", "IPv6 targets silent"));
    const moved = await lab.openFlows({ count: 60, concurrency: 16, host: server6(lab) });
    expect([moved.failed, moved.byIsp]).toEqual([0, { isp1: 60 }]);
  });

  it("IPv4 down, IPv6 up on the same link: only IPv4 moves", async () => {
    const c = controller(lab, dual(lab, [1, 1, 1]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    await setStates6(lab, c, ["up", "up", "up"]);
    await c.onLinkState(linkState(lab, 1, "down", "IPv4 targets silent"));
    const r4 = await lab.openFlows({ count: 120, concurrency: 32 });
    const r6 = await lab.openFlows({ count: 120, concurrency: 32, host: server6(lab) });
    expect([r4.failed, r6.failed]).toEqual([0, 0]);
    expect(r4.byIsp.isp2 ?? 0).toBe(0);
    expect(r6.byIsp.isp2 ?? 0).toBeGreaterThan(0);
    const state = await c.state(true);
    expect(state?.ipv6?.links.map((l) => [l.link, l.state, l.active])).toEqual([
      ["isp1", "up", true],
      ["isp2", "up", true],
      ["isp3", "up", true],
    ]);
    expect(state?.links.find((l) => l.link === "isp2")?.active).toBe(false);
  });
});
