import { linkIdentity, MARK_MASK_DEFAULT, validateConfig } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { MemoryBus, until } from "@wanpilot/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/index.js";

// The prober in-process, its commands in the lab's gw namespace; the router's IPv6 part played by hand.
const log = pino({ level: process.env.LOG_LEVEL ?? "silent" });
let lab: Lab;

const linksOf = (l: Lab) =>
  l.isps.map((i) => ({
    name: i.name,
    interface: i.wanInterface,
    probe: { targets: l.targets },
    ipv6: {
      targets: [
        ...(l.ipv6?.targets ?? []),
        { host: l.ipv6?.server, method: "tcp", port: l.server.tcpPort, name: "server6-tcp" },
      ],
    },
  }));

/** Both families' tables and rules for a link, as the router writes them: fwmark (ping) and probe ports (sockets). */
async function routeLink(l: Lab, isp: number, table: number): Promise<void> {
  const i = l.isps[isp];
  if (i === undefined || i.ipv6 === undefined) throw new Error("no such isp");
  const id = linkIdentity({ links: linksOf(l), balance: { mark_mask: MARK_MASK_DEFAULT } }, i.name);
  if (id === undefined) throw new Error("no identity");
  const gw = (argv: string[]) => l.exec("gw", argv);
  const via4 = ["via", i.modemAddress, "dev", i.wanInterface];
  await gw(["ip", "route", "replace", "default", ...via4, "table", String(table)]);
  // The DHCP client's route (high metric): IPv4 replies pass the loose reverse-path check (no nft marks here).
  await gw(["ip", "route", "replace", "default", ...via4, "metric", String(1000 + table)]);
  const via6 = ["via", i.ipv6.modemLinkLocal, "dev", i.wanInterface];
  await gw(["ip", "-6", "route", "replace", "default", ...via6, "table", String(table)]);
  for (const family of ["-4", "-6"]) {
    await gw([
      "ip",
      family,
      "rule",
      "add",
      "fwmark",
      `${id.mark}/${MARK_MASK_DEFAULT}`,
      "lookup",
      String(table),
      "pref",
      String(1000 + table),
    ]);
    const ports = `${id.probePorts.first}-${id.probePorts.last}`;
    await gw([
      "ip",
      family,
      "rule",
      "add",
      "iif",
      "lo",
      "sport",
      ports,
      "lookup",
      String(table),
      "pref",
      String(1100 + table),
    ]);
  }
}

beforeAll(async () => {
  lab = await createLab({ isps: 2, name: "prober6", ipv6: true });
  await routeLink(lab, 0, 101);
  await routeLink(lab, 1, 102);
}, 120_000);

afterAll(async () => {
  await lab?.destroy();
});

describe("IPv6 prober on the real kernel", () => {
  it("judges each family on its own: an IPv6-only upstream cut takes IPv6 down while IPv4 stays up", async () => {
    const parsed = validateConfig({ gateway: "gw1", links: linksOf(lab) });
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    const bus = new MemoryBus();
    const { stop } = await run({
      config: parsed.config,
      link: "isp1",
      log,
      bus,
      commandPrefix: ["ip", "netns", "exec", lab.ns.gw],
      healthIntervalMs: 500,
    });
    const v4 = () => bus.of("linkState").at(-1)?.payload;
    const v6 = () => bus.of("linkState6").at(-1)?.payload;
    const v6Since = (state: string, afterMs: number) =>
      bus.of("linkState6").find((m) => m.payload.state === state && m.atMs >= afterMs);
    try {
      await until("both families up", () => v4()?.state === "up" && v6()?.state === "up", 8000).catch((e) => {
        throw new Error(`${String(e)} ${JSON.stringify([v4(), v6()])}`);
      });
      expect(v6()).toMatchObject({
        family: "ipv6",
        source: "2001:db8:1::2",
        interface: "wan1",
        carrier: true,
      });
      expect(v4()).toMatchObject({ source: "198.18.1.2" });
      // IPv6's window goes out periodically on its own topic, beside IPv4's heartbeat.
      const beats6 = bus.of("linkHealth6").length;
      await until("three more IPv6 health messages", () => bus.of("linkHealth6").length >= beats6 + 3, 5000);
      const h6 = bus.of("linkHealth6").at(-1);
      expect(h6?.topic).toBe("wanpilot/gw1/link/isp1/ipv6/health");
      expect(h6?.payload).toMatchObject({ link: "isp1", state: "up", rtt: { meanMs: expect.any(Number) } });
      expect(h6?.payload.targets.map((t) => t.target)).toEqual([...(lab.ipv6?.targets ?? []), "server6-tcp"]);
      expect(
        bus
          .of("linkHealth")
          .at(-1)
          ?.payload.targets.map((t) => t.target),
      ).toEqual([...lab.targets]);

      const cutAt = performance.now();
      await lab.cutUpstream(0, "ipv6");
      const down = await until("IPv6 down", () => v6Since("down", cutAt), 8000);
      process.stdout.write(`MEASURED IPv6 upstream cut → IPv6 down: ${Math.round(down.atMs - cutAt)} ms\n`);
      expect(down.payload.cause).toBe("no reply from 4/4 targets for 3 rounds");
      expect(v4()?.state).toBe("up");
      // The periodic IPv6 window follows: down, with the lost probes in its loss (the window still holds earlier answers).
      const h6down = await until(
        "an IPv6 health message after the down",
        () => bus.of("linkHealth6").find((m) => m.atMs > down.atMs)?.payload,
        5000,
      );
      expect(h6down.state).toBe("down");
      expect(h6down.lossRatio).toBeGreaterThan(0);
      expect(bus.of("linkEvent").filter((e) => e.atMs >= cutAt)).toEqual([]); // linkEvent is IPv4's
      // With a full window the rising loss may pass through degraded first.
      const events6 = bus
        .of("linkEvent6")
        .filter((e) => e.atMs >= cutAt)
        .map((e) => [e.topic, e.payload.to]);
      expect(events6.at(-1)).toEqual(["wanpilot/gw1/link/isp1/ipv6/event", "down"]);
      expect(events6.slice(0, -1)).toEqual(
        events6.slice(0, -1).map(() => ["wanpilot/gw1/link/isp1/ipv6/event", "degraded"]),
      );

      const restoreAt = performance.now();
      await lab.restoreUpstream(0);
      const up = await until("IPv6 up", () => v6Since("up", restoreAt), 15_000);
      process.stdout.write(`MEASURED IPv6 restore → IPv6 up: ${Math.round(up.atMs - restoreAt)} ms\n`);
      expect(v4()?.state).toBe("up");
    } finally {
      await stop();
    }
  });
});
