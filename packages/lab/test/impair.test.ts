import { createLab, type Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostSnapshot, namespacesOfThisProcess, snapshotHost } from "./host-guard.js";

let before: HostSnapshot;
let lab: Lab;
beforeAll(async () => {
  before = await snapshotHost();
  lab = await createLab({ isps: 3, name: "impair" });
});
afterAll(async () => {
  await lab?.destroy();
  expect(await namespacesOfThisProcess()).toEqual([]);
  expect(await snapshotHost()).toEqual(before);
});

describe("impairments", () => {
  it("setLoss(30) loses about 30% of pings across the WAN link; clearLoss ends it", async () => {
    await lab.setLoss("isp2", 30);
    const [lossy, clean] = await Promise.all([
      lab.pingFrom("gw", lab.isp("isp2").modemAddress, { count: 200 }),
      lab.pingFrom("gw", lab.isp("isp1").modemAddress, { count: 200 }),
    ]);
    expect(lossy.transmitted).toBe(200);
    // Binomial(200, 0.3) has a standard deviation of 6.5 points; 15..45% is over 4 sigma either way.
    expect(lossy.lossRatio).toBeGreaterThan(0.15);
    expect(lossy.lossRatio).toBeLessThan(0.45);
    expect(clean.lossRatio).toBe(0);

    await lab.clearLoss("isp2");
    expect((await lab.pingFrom("gw", lab.isp("isp2").modemAddress, { count: 100 })).lossRatio).toBe(0);
  });

  it("setLoss(100) drops everything, also what the modem answers", async () => {
    await lab.setLoss(2, 100);
    expect((await lab.pingFrom("gw", lab.isp(2).modemAddress, { count: 5, waitMs: 200 })).received).toBe(0);
    await lab.clearLoss(2);
    expect((await lab.pingFrom("gw", lab.isp(2).modemAddress, { count: 5 })).received).toBe(5);
  });

  it("carrierDown makes the gateway's WAN show NO-CARRIER and operstate DOWN; carrierUp restores it", async () => {
    await lab.carrierDown("isp1");
    const down = await lab.wanLinkState("isp1");
    expect(down).toMatchObject({ carrier: false, operstate: "DOWN" });
    expect(down.flags).toContain("NO-CARRIER");
    expect((await lab.wanLinkState("isp2")).carrier).toBe(true);
    expect((await lab.pingFrom("gw", lab.isp("isp1").modemAddress, { count: 2, waitMs: 200 })).received).toBe(
      0,
    );

    await lab.carrierUp("isp1");
    expect(await lab.wanLinkState("isp1")).toMatchObject({ carrier: true, operstate: "UP" });
    expect((await lab.pingFrom("gw", lab.isp("isp1").modemAddress, { count: 2 })).received).toBe(2);
  });

  it("blockTarget silences one probe target for every ISP", async () => {
    const [blocked, open] = [lab.targets[0] ?? "", lab.targets[1] ?? ""];
    await lab.blockTarget(blocked);
    expect((await lab.pingFrom(lab.ns.isp[0] ?? "", blocked, { count: 2, waitMs: 200 })).received).toBe(0);
    expect((await lab.pingFrom(lab.ns.isp[0] ?? "", open, { count: 2 })).received).toBe(2);
    await lab.unblockTarget(blocked);
    expect((await lab.pingFrom(lab.ns.isp[0] ?? "", blocked, { count: 2 })).received).toBe(2);
    await expect(lab.blockTarget("192.0.2.1")).rejects.toThrow(/not a target/);
  });
});

describe("WAN renumbering", () => {
  it("moves both ends of a WAN to a new address and gateway, and flows follow", async () => {
    const old = lab.isp("isp3");
    const renumbered = await lab.setWanAddress("isp3", { address: "198.18.53.10", gateway: "198.18.53.1" });
    expect(renumbered).toMatchObject({ gwAddress: "198.18.53.10", modemAddress: "198.18.53.1" });
    expect(lab.isp("isp3")).toEqual(renumbered);

    const addresses = await lab.gwExec(["ip", "-4", "-o", "address", "show", "dev", old.wanInterface]);
    expect(addresses).toContain("198.18.53.10/24");
    expect(addresses).not.toContain(old.gwAddress);
    expect((await lab.pingFrom("gw", "198.18.53.1", { count: 2 })).received).toBe(2);

    await lab.setDefaultRoute([0, 0, 1]);
    expect(await lab.openFlows({ count: 10 })).toMatchObject({ byIsp: { isp3: 10 }, failed: 0 });
    await lab.clearDefaultRoute();
  });

  it("refuses addresses outside 198.18.0.0/15 or a gateway outside the prefix", async () => {
    await expect(
      lab.setWanAddress("isp3", { address: "10.0.0.2", gateway: "10.0.0.1" }),
    ).rejects.toMatchObject({
      code: "LAB_INVALID_OPTIONS",
    });
    await expect(
      lab.setWanAddress("isp3", { address: "198.18.60.2", gateway: "198.18.61.1" }),
    ).rejects.toMatchObject({
      code: "LAB_INVALID_OPTIONS",
    });
  });
});

describe("inbound", () => {
  it("each ISP forwards ports 8000-8999 on its public address to the gateway's WAN address", async () => {
    const isp = lab.isp("isp1");
    // Answering over the link a connection arrived on is wanpilot's job (U8); here a plain default route does.
    await lab.setDefaultRoute([1, 0, 0]);
    const server = lab.spawn("gw", [process.execPath, "-e", ECHO_SERVER, isp.gwAddress, "8080"]);
    await server.waitForLine((line) => line === "listening", 5_000);
    const tried = await lab.tryExec(
      "inet",
      [process.execPath, "-e", CONNECT_CLIENT, isp.publicAddress, "8080"],
      { timeoutMs: 5_000 },
    );
    expect(tried.stdout.trim()).toBe(`hello from ${lab.isp("isp1").inetAddress}`);
    await server.stop();
    await lab.clearDefaultRoute();
  });
});

// Tiny one-shot TCP server and client, kept inline: argv addresses, never a shell.
const ECHO_SERVER = `
const net = require("node:net");
const [host, port] = process.argv.slice(1);
net.createServer((s) => { s.end("hello from " + s.remoteAddress.replace(/^::ffff:/, "") + "\\n"); })
  .listen(Number(port), host, () => console.log("listening"));
`;
const CONNECT_CLIENT = `
const net = require("node:net");
const [host, port] = process.argv.slice(1);
const s = net.connect(Number(port), host);
s.setTimeout(3000, () => process.exit(2));
s.pipe(process.stdout);
`;
