import { createLab, type Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostSnapshot, namespacesOfThisProcess, snapshotHost } from "./host-guard.js";

let before: HostSnapshot;
beforeAll(async () => {
  before = await snapshotHost();
});
afterAll(async () => {
  expect(await namespacesOfThisProcess()).toEqual([]);
  expect(await snapshotHost()).toEqual(before);
});

describe.each([2, 4])("a lab with %i ISPs", (ispCount) => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ isps: ispCount, name: "topo" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("builds one namespace per role and wires every WAN into the gateway", async () => {
    expect(lab.isps.map((isp) => isp.name)).toEqual(
      Array.from({ length: ispCount }, (_, i) => `isp${i + 1}`),
    );
    const links = JSON.parse(await lab.exec("gw", ["ip", "-json", "link", "show"])) as Array<{
      ifname: string;
      operstate: string;
    }>;
    for (const isp of lab.isps) {
      expect(links.find((link) => link.ifname === isp.wanInterface)?.operstate).toBe("UP");
    }
    expect(await lab.exec("gw", ["ip", "route", "show", "default"])).toBe("");
    expect((await lab.exec("gw", ["sysctl", "-n", "net.ipv4.ip_forward"])).trim()).toBe("1");
    expect(
      (await lab.exec("gw", ["sysctl", "-n", `net.ipv4.conf.${lab.isps[0]?.wanInterface}.rp_filter`])).trim(),
    ).toBe("2");
  });

  it("every ISP reaches every target, and the gateway reaches every modem", async () => {
    const pings = lab.isps.flatMap((isp) => [
      ...lab.targets.map((target) => lab.pingFrom(isp.ns, target, { count: 2 })),
      lab.pingFrom("gw", isp.modemAddress, { count: 2 }),
    ]);
    for (const result of await Promise.all(pings)) expect(result.received).toBe(2);
  });

  it("the gateway reaches the internet through a WAN only once that WAN has its own table and rule", async () => {
    const target = lab.targets[0] ?? "";
    const beforeTables = await lab.pingFrom("gw", target, {
      count: 1,
      waitMs: 200,
      source: lab.isps[0]?.gwAddress ?? "",
    });
    expect(beforeTables.received).toBe(0);
    for (const isp of lab.isps) {
      const table = String(100 + isp.index + 1);
      await lab.gwExec([
        "ip",
        "route",
        "add",
        "default",
        "via",
        isp.modemAddress,
        "dev",
        isp.wanInterface,
        "table",
        table,
      ]);
      await lab.gwExec(["ip", "rule", "add", "from", isp.gwAddress, "lookup", table]);
    }
    const results = await Promise.all(
      lab.isps.map((isp) => lab.pingFrom("gw", target, { count: 2, source: isp.gwAddress })),
    );
    expect(results.map((r) => r.received)).toEqual(lab.isps.map(() => 2));
  });

  it("a cut upstream silences the internet behind one ISP while its modem still answers", async () => {
    const victim = lab.isps[ispCount - 1];
    const other = lab.isps[0];
    if (victim === undefined || other === undefined) throw new Error("missing ISP");
    const target = lab.targets[1] ?? "";
    await lab.cutUpstream(victim.name);
    const [modem, viaVictim, viaOther] = await Promise.all([
      lab.pingFrom("gw", victim.modemAddress, { count: 3 }),
      lab.pingFrom("gw", target, { count: 3, source: victim.gwAddress, waitMs: 300 }),
      lab.pingFrom("gw", target, { count: 3, source: other.gwAddress }),
    ]);
    expect(modem.received).toBe(3);
    expect(viaVictim).toMatchObject({ transmitted: 3, received: 0 });
    expect(viaOther.received).toBe(3);

    await lab.restoreUpstream(victim.name);
    expect((await lab.pingFrom("gw", target, { count: 3, source: victim.gwAddress })).received).toBe(3);
  });
});

describe("a lab whose two WANs look alike (sameWanAddress)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ isps: 2, name: "alike", sameWanAddress: true });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  /** `ping -m <mark> -I <wan>`: SO_MARK picks the link's table by `ip rule fwmark`, the device pins the exit. */
  const pingByIdentity = async (n: number, target: string) => {
    const r = await lab.tryExec(
      "gw",
      ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", "-m", String(n << 16), "-I", `wan${n}`, target],
      { okExitCodes: [0, 1, 2] },
    );
    return Number(/(\d+) received/.exec(r.stdout)?.[1] ?? -1);
  };

  it("tells the WANs apart by mark and device, not address: a cut ISP silences only its own link", async () => {
    expect(lab.isps.map((isp) => isp.gwAddress)).toEqual(["198.18.50.100", "198.18.50.100"]);
    for (const isp of lab.isps) {
      const n = isp.index + 1;
      const table = String(100 + n);
      await lab.gwExec([
        "ip",
        "route",
        "add",
        "default",
        "via",
        isp.modemAddress,
        "dev",
        isp.wanInterface,
        "table",
        table,
      ]);
      await lab.gwExec(["ip", "rule", "add", "fwmark", `${n << 16}/0xff0000`, "lookup", table]);
    }
    // The main table's default route goes by wan1 only: wan2 is "out of the default route".
    await lab.setDefaultRoute([1, 0]);
    const target = lab.targets[0] ?? "";
    expect([await pingByIdentity(1, target), await pingByIdentity(2, target)]).toEqual([3, 3]);
    await lab.cutUpstream("isp1");
    expect([await pingByIdentity(1, target), await pingByIdentity(2, target)]).toEqual([0, 3]);
    await lab.restoreUpstream("isp1");
    await lab.cutUpstream("isp2");
    expect([await pingByIdentity(1, target), await pingByIdentity(2, target)]).toEqual([3, 0]);
    await lab.restoreUpstream("isp2");
  });
});
