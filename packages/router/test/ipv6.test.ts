import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, labConfig, newLab, setStates } from "./harness.js";

const LAN_HOST = "2001:db8:100::2";
const GW_WAN = "2001:db8:1::2";
const MODEM = "2001:db8:1::1";

describe("IPv6 is left alone unless configured (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtipv6" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("a LAN host's IPv6 source leaves the WAN unrewritten (no NAT66)", async () => {
    const isp = lab.isps[0];
    if (isp === undefined) throw new Error("no isp");
    const ip = (ns: string, line: string) => lab.exec(ns, ["ip", ...line.split(" ")]);
    await ip(lab.ns.gw, `-6 addr add 2001:db8:100::1/64 dev ${lab.lan.interface} nodad`);
    await ip(lab.ns.gw, `-6 addr add ${GW_WAN}/64 dev ${isp.wanInterface} nodad`);
    await lab.exec(lab.ns.gw, ["sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"]);
    await ip(lab.ns.lan, `-6 addr add ${LAN_HOST}/64 dev ${lab.lan.hostInterface} nodad`);
    await ip(lab.ns.lan, "-6 route add default via 2001:db8:100::1");
    await ip(isp.ns, `-6 addr add ${MODEM}/64 dev ${isp.modemInterface} nodad`);
    await lab.exec(isp.ns, ["nft", "-f", "-"], {
      input: `table inet seen {\n  chain in {\n    type filter hook input priority 0; policy accept;\n    ip6 saddr ${LAN_HOST} counter comment "lan"\n    ip6 saddr ${GW_WAN} counter comment "gw"\n  }\n}\n`,
    });
    const c = controller(lab, labConfig(lab, [{}, {}]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    const seenCount = async (tag: string) => {
      const seen = await lab.exec(isp.ns, ["nft", "list", "table", "inet", "seen"]);
      return Number(new RegExp(`counter packets (\\d+) .*comment "${tag}"`).exec(seen)?.[1]);
    };
    // Neighbour discovery on fresh IPv6 links can take a moment on a loaded machine: ping until
    // packets arrive (bounded), then check whose source they carried.
    for (let i = 0; i < 10 && (await seenCount("lan")) + (await seenCount("gw")) === 0; i++)
      await lab.exec(lab.ns.lan, ["ping", "-6", "-c", "3", "-i", "0.2", "-W", "1", MODEM], {
        okExitCodes: [0, 1],
      });
    expect(await seenCount("lan")).toBeGreaterThan(0);
    expect(await seenCount("gw")).toBe(0);
  });
});
