import { HaDiscovery, topics } from "@wanpilot/common";
import { createLab, type Lab, type StreamGroup } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabDeployment } from "wanpilot/labrun";
import type { StatusView } from "../packages/cli/src/status/view.js";
import { HaLikeClient } from "./helpers/observe.js";

interface Explained {
  link: string | null;
  reason: string;
  candidates: Array<{ link: string }>;
  kernel: { route: string | null };
}

/**
 * What Home Assistant shows for an entity: its value_template applied to the state topic's JSON. Only the
 * template forms wanpilot's link entities use; any other fails the test rather than guessing.
 */
function renderHa(template: string, json: Record<string, unknown>): string {
  const path = (p: string): unknown =>
    p.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], json);
  const shown = (v: unknown) => (v === null || v === undefined ? "None" : String(v));
  const literal = (l: string) => (l === "None" ? "None" : l.replace(/^'(.*)'$/, "$1"));
  const plain = /^\{\{ value_json\.([\w.]+) \}\}$/.exec(template);
  if (plain?.[1] !== undefined) return shown(path(plain[1]));
  const v6 = /^\{\{ value_json\.ipv6\.(\w+) if value_json\.ipv6 is defined else (\S+) \}\}$/.exec(template);
  if (v6?.[1] !== undefined && v6[2] !== undefined)
    return json.ipv6 === undefined ? literal(v6[2]) : shown(path(`ipv6.${v6[1]}`));
  const flag = /^\{\{ 'ON' if (.+) else 'OFF' \}\}$/.exec(template);
  if (flag?.[1] !== undefined) {
    const on = flag[1]
      .split(" and ")
      .every((c) =>
        c.endsWith(" is defined") ? path(c.slice(11, -11)) !== undefined : Boolean(path(c.slice(11))),
      );
    return on ? "ON" : "OFF";
  }
  throw new Error(`a template this test does not render: ${template}`);
}

const FAST = { interval: "200ms", timeout: "500ms", down: 3, up: 5, window: "2s" };

/** What wanpilot holds in the kernel for both families (its rules, routes and nft table). */
async function kernel(lab: Lab): Promise<string[]> {
  const own = (text: string) =>
    text
      .split("\n")
      .filter((l) => /proto 77|protocol 77|^10\d{3}:/.test(l))
      .sort();
  return [
    ...own(await lab.gwExec(["ip", "-4", "rule", "show"])),
    ...own(await lab.gwExec(["ip", "-6", "rule", "show"])),
    ...own(await lab.gwExec(["ip", "-4", "route", "show", "table", "all"])),
    ...own(await lab.gwExec(["ip", "-6", "route", "show", "table", "all"])),
    await lab.gwExec(["nft", "list", "table", "inet", "wanpilot"]),
  ];
}

async function ipv6Nexthops(lab: Lab): Promise<string[]> {
  const routes = JSON.parse(
    await lab.gwExec(["ip", "-6", "-json", "route", "show", "table", "100"]),
  ) as Array<{
    dst: string;
    dev?: string;
    nexthops?: Array<{ dev: string }>;
  }>;
  const def = routes.find((r) => r.dst === "default");
  return (def?.nexthops ?? (def?.dev ? [{ dev: def.dev }] : [])).map((h) => h.dev).sort();
}

describe("wanpilot with IPv6 on both links (end to end)", () => {
  let lab: Lab;
  let dep: LabDeployment;
  let latest: StatusView | undefined;
  let streams: StreamGroup | undefined;
  let ha: HaLikeClient | undefined;
  const cut = { atMs: 0, restoredMs: 0 };

  beforeAll(async () => {
    lab = await createLab({ isps: 2, gwMasquerade: false, name: "e2e6", ipv6: true });
    dep = LabDeployment.start(lab, {
      probe: FAST,
      ipv6: true,
      logLevel: "warn",
      homeassistant: { username: "hass", password: "ha-secret" },
    });
    dep.spawnCli(["status", "--watch", "--json"], (line, stream) => {
      if (stream === "stdout" && line.startsWith("{")) latest = JSON.parse(line) as StatusView;
    });
  });
  afterAll(async () => {
    await ha?.proc.stop();
    await streams?.stop();
    await dep?.stop();
    await lab?.destroy();
  });

  const view = (ok: (v: StatusView) => boolean, what: string) =>
    until(what, () => (latest !== undefined && ok(latest) ? latest : undefined), 30_000);
  const server6 = () => lab.ipv6?.server ?? "";

  it("an IPv6-only upstream cut: the prober sees it, IPv6 moves, IPv4 and the other link's IPv6 stream stay", async () => {
    await view(
      (v) => v.links.every((l) => l.state === "up" && l.active && l.ipv6?.state === "up" && l.ipv6.active),
      "both families up on both links",
    );
    // The router's state may come a moment before its IPv6 batch is in on a loaded machine: wait for the kernel.
    await until(
      "both links in the kernel's IPv6 default route",
      async () => (await ipv6Nexthops(lab)).join() === "wan1,wan2",
      20_000,
    );
    const before = await lab.openFlows({ count: 100, concurrency: 32, timeoutMs: 5000, host: server6() });
    expect(
      before.failed,
      JSON.stringify([before.byIsp, before.flows.filter((f) => f.error).slice(0, 3)]),
    ).toBe(0);
    expect(Object.keys(before.byIsp).sort()).toEqual(["isp1", "isp2"]);
    streams = await lab.startStreams({ count: 12, durationMs: 120_000, host: server6() });
    const healthy = streams.streams.filter((s) => s.isp === "isp2");
    expect(healthy.length).toBeGreaterThan(0);

    cut.atMs = Date.now();
    await lab.cutUpstream(0, "ipv6");
    try {
      const v = await view(
        (x) => x.links[0]?.ipv6?.state === "down" && x.links[0].ipv6.active === false,
        "isp1 IPv6 down",
      );
      expect(v.links[0]?.state).toBe("up");
      expect(v.links[0]?.active).toBe(true);
      expect(v.ipv6?.defaultRoute?.nexthops.map((n) => n.link)).toEqual(["isp2"]);
      expect(await ipv6Nexthops(lab)).toEqual(["wan2"]);
      // explain answers per family: IPv6's route has only isp2, IPv4's both links.
      const explain = async (destination: string) =>
        JSON.parse(await dep.cli(["explain", destination, "--json"])) as Explained;
      const e6 = await explain(server6());
      expect(e6).toMatchObject({ link: "isp2", reason: "IPv6 default route, tier 1: isp2 weight 1" });
      expect(e6.kernel.route).toMatch(/ dev wan2 /);
      const e4 = await explain(lab.server.address);
      expect(e4.candidates.map((c) => c.link)).toEqual(["isp1", "isp2"]);
      const during6 = await lab.openFlows({ count: 100, concurrency: 32, timeoutMs: 5000, host: server6() });
      expect([during6.failed, during6.byIsp.isp1 ?? 0]).toEqual([0, 0]);
      const during4 = await lab.openFlows({ count: 100, concurrency: 32, timeoutMs: 5000 });
      expect(during4.failed).toBe(0);
      expect(during4.byIsp.isp1 ?? 0).toBeGreaterThan(0);
      for (const s of healthy) expect(await s.waitForProgress(3000, 64)).toBe(true);
    } finally {
      await lab.restoreUpstream(0);
      cut.restoredMs = Date.now();
    }
    await view((x) => x.links.every((l) => l.ipv6?.state === "up" && l.ipv6.active), "isp1 IPv6 back");
    expect(await ipv6Nexthops(lab)).toEqual(["wan1", "wan2"]);
    expect(healthy.filter((s) => s.closed())).toEqual([]);
  });

  it("report: the IPv6 outage is in the link's IPv6 history (isp1/ipv6), not in its IPv4 one", async () => {
    type Row = { name: string; outages: Array<{ start: string }> };
    const during = (l: Row | undefined) =>
      (l?.outages ?? []).filter(
        (o) => Date.parse(o.start) >= cut.atMs && Date.parse(o.start) <= cut.restoredMs,
      ).length;
    const report = await until(
      "the logger to store the IPv6 outage",
      async () => {
        const r = JSON.parse(await dep.cli(["report", "--json"])) as { links: Row[] };
        return during(r.links.find((l) => l.name === "isp1/ipv6")) === 1 ? r : undefined;
      },
      20_000,
      500,
    );
    // Each history also holds the first seconds after start, before routing was in place: not counted here.
    expect(report.links.map((l) => [l.name, during(l)])).toEqual([
      ["isp1", 0],
      ["isp1/ipv6", 1],
      ["isp2", 0],
      ["isp2/ipv6", 0],
    ]);
  });

  it("the router killed with SIGKILL: restarted, it finds both families right and changes nothing", async () => {
    const before = await kernel(lab);
    const pid = latest?.processes.router?.pid;
    expect(pid).toEqual(expect.any(Number));
    await lab.gwExec(["kill", "-9", String(pid)]);
    await view(
      (v) => (v.processes.router?.pid ?? pid) !== pid && v.processes.router?.availability === "online",
      "router restarted",
    );
    await view((v) => v.links.every((l) => l.active && l.ipv6?.active === true), "router state again");
    expect(await kernel(lab)).toEqual(before);
    const healthy = streams?.streams.filter((s) => s.isp === "isp2") ?? [];
    for (const s of healthy) expect(await s.waitForProgress(3000, 64)).toBe(true);
  });

  it("Home Assistant: an IPv6-only upstream cut changes the link's IPv6 entities, and only those", async () => {
    await view((v) => v.processes.observer?.availability === "online", "the observer online");
    // A Home Assistant-like client with Home Assistant's user, once the broker is up.
    const client = new HaLikeClient(
      ["ip", "netns", "exec", lab.ns.gw],
      "mqtt://127.0.0.1:1883",
      "hass",
      "ha-secret",
      "homeassistant",
      600,
    );
    ha = client;
    // Each link's entities on its ha/link state topic, as Home Assistant renders them: name → shown value.
    const shown = (link: string): Record<string, string> => {
      const raw = client.last(topics.haLink("lab", link));
      if (raw === undefined) return {};
      const json = JSON.parse(raw) as Record<string, unknown>;
      const out: Record<string, string> = {};
      for (const p of client.discovery("homeassistant").values()) {
        const e = HaDiscovery.parse(p);
        if (e.state_topic === topics.haLink("lab", link) && e.value_template !== undefined)
          out[e.name ?? ""] = renderHa(e.value_template, json);
      }
      return out;
    };
    const v6Names = (link: string) => [
      `${link} IPv6 state`,
      `${link} carries new IPv6 traffic`,
      `${link} IPv6 latency`,
      `${link} IPv6 packet loss`,
    ];
    const ready = await until(
      "both links' IPv6 entities up in Home Assistant",
      () => {
        const [a, b] = [shown("isp1"), shown("isp2")];
        return a["isp1 IPv6 state"] === "up" &&
          b["isp2 IPv6 state"] === "up" &&
          a["isp1 carries new IPv6 traffic"] === "ON" &&
          a["isp1 IPv6 latency"] !== "None"
          ? { isp1: a, isp2: b }
          : undefined;
      },
      30_000,
      200,
    ).catch((err: unknown) => {
      throw new Error(
        `${String(err)}\n${JSON.stringify([shown("isp1"), shown("isp2")])}\nha:\n${client.proc.text().slice(-2000)}`,
      );
    });
    for (const n of v6Names("isp1")) expect(ready.isp1, n).toHaveProperty([n]);
    expect(Number(ready.isp1["isp1 IPv6 latency"])).toBeGreaterThanOrEqual(0);
    const live = ["up", "degraded"]; // a loaded machine may slow a link's answers: degraded, still carrying

    // What Home Assistant must show during the cut: isp1's IPv6 entities changed, isp1's IPv4 ones and isp2's
    // IPv6 ones still live. The prober's IPv6 verdict and the router's (carries new IPv6 traffic) arrive in
    // separate messages, the router's a moment later on a loaded machine: wait until all hold together.
    const number = "a number ≥ 0";
    const duringCut: Array<[link: string, entity: string, allowed: string[] | typeof number]> = [
      ["isp1", "isp1 IPv6 state", ["down"]],
      ["isp1", "isp1 carries new IPv6 traffic", ["OFF"]],
      ["isp1", "isp1 IPv6 latency", ["None"]],
      ["isp1", "isp1 IPv6 packet loss", ["None"]],
      ["isp1", "isp1 state", live],
      ["isp1", "isp1 internet", ["ON"]],
      ["isp1", "isp1 carries new traffic", ["ON"]],
      ["isp2", "isp2 IPv6 state", live],
      ["isp2", "isp2 carries new IPv6 traffic", ["ON"]],
      ["isp2", "isp2 IPv6 latency", number],
    ];
    const wrong = (seen: Record<string, Record<string, string>>): string[] =>
      duringCut
        .filter(([link, entity, allowed]) => {
          const v = seen[link]?.[entity];
          return allowed === number ? !(Number(v) >= 0) : !allowed.includes(v ?? "(missing)");
        })
        .map(([link, entity, allowed]) => `${entity}: ${seen[link]?.[entity]} (wanted ${String(allowed)})`);
    await lab.cutUpstream(0, "ipv6");
    try {
      let seen: Record<string, Record<string, string>> = {};
      await until(
        "isp1's IPv6 entities, and only those, to show the cut in Home Assistant",
        () => {
          seen = { isp1: shown("isp1"), isp2: shown("isp2") };
          return wrong(seen).length === 0;
        },
        30_000,
        200,
      ).catch((err: unknown) => {
        throw new Error(
          `${String(err)}\nlast seen, still wrong: ${wrong(seen).join("; ")}\n${JSON.stringify(seen)}`,
        );
      });
    } finally {
      await lab.restoreUpstream(0);
    }
    await until(
      "isp1's IPv6 up again in Home Assistant",
      () => shown("isp1")["isp1 IPv6 state"] === "up",
      30_000,
      200,
    );
  });
});
