import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BALANCE_TABLE_DEFAULT, HaDiscovery, HaLinkView, Operation, topics } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { familyNames, HaLikeClient, promtool, sample, scrapeUntil } from "./helpers/observe.js";
import { Spawned } from "./helpers/process.js";

// Home Assistant on the embedded broker (`wanpilot start`, its own user), and Prometheus metrics scraped
// while a link fails over in a lab: the setup docs/homeassistant.md walks through first.
const BIN = new URL("../packages/cli/bin/wanpilot.js", import.meta.url).pathname;
const GW = "obs";
const PORT = 18850;
const METRICS = 19150;
const HA_SECONDS = 60;

let lab: Lab;
let dir: string;
let start: Spawned;
let ha: HaLikeClient;
/** A second Home Assistant-like client, logged in with the operator credential: its controls take effect. */
let operator: HaLikeClient | undefined;
const inGw = () => ["ip", "netns", "exec", lab.ns.gw];

function writeConfig(): string {
  writeFileSync(join(dir, "ha.pass"), "ha-secret\n", { mode: 0o600 });
  writeFileSync(join(dir, "reader.pass"), "reader-secret\n", { mode: 0o600 });
  writeFileSync(join(dir, "operator.pass"), "operator-secret\n", { mode: 0o600 });
  const links = lab.isps.map(
    (isp) => `  - name: ${isp.name}
    interface: ${isp.wanInterface}
    gateway: ${isp.modemAddress}
    source: ${isp.gwAddress}
    probe: {targets: [${lab.targets.join(", ")}], interval: 200ms, timeout: 500ms, up: 2}
`,
  );
  const path = join(dir, "wanpilot.yaml");
  writeFileSync(
    path,
    `gateway: ${GW}
links:
${links.join("")}bus:
  listen: 127.0.0.1:${PORT}
  anonymous: none
  username: reader
  password_file: ${join(dir, "reader.pass")}
  operator_password_file: ${join(dir, "operator.pass")}
homeassistant:
  username: hass
  password_file: ${join(dir, "ha.pass")}
metrics:
  listen: 127.0.0.1:${METRICS}
runtime_dir: ${join(dir, "run")}
logger:
  database: ${join(dir, "wanpilot.db")}
`,
  );
  return path;
}

beforeAll(async () => {
  lab = await createLab({ isps: 2, name: "obsemb" });
  dir = mkdtempSync(join(tmpdir(), "wanpilot-obs-"));
  start = new Spawned([...inGw(), process.execPath, BIN, "start", "--config", writeConfig()]);
  await until(
    "the broker",
    () => start.json().some((l) => l.msg === "broker listening") || start.exit,
    15_000,
  );
  ha = new HaLikeClient(inGw(), `mqtt://127.0.0.1:${PORT}`, "hass", "ha-secret", "homeassistant", HA_SECONDS);
});

afterAll(async () => {
  await ha?.proc.stop();
  await operator?.proc.stop();
  await start?.stop("SIGTERM", 10_000);
  await lab?.destroy();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const linkView = (link: string): HaLinkView | undefined => {
  const raw = ha.last(topics.haLink(GW, link));
  return raw === undefined ? undefined : HaLinkView.parse(JSON.parse(raw));
};

describe(`Home Assistant on the embedded broker, metrics during a failover`, () => {
  it("a Home Assistant-like client gets valid discovery for every entity and the links up", async () => {
    // Per link 7 sensors and 3 controls (enabled, drain, weight); 6 of the gateway.
    const expected = lab.isps.length * 10 + 6;
    await until(
      `${expected} discovery configs`,
      () => ha.discovery("homeassistant").size >= expected,
      30_000,
    ).catch((err: unknown) => {
      throw new Error(
        `${String(err)}\nha:\n${ha.proc.text().slice(-3000)}\nstart:\n${start.text().slice(-3000)}`,
      );
    });
    const configs = ha.discovery("homeassistant");
    expect(configs.size).toBe(expected);
    for (const [topic, payload] of configs)
      expect(HaDiscovery.safeParse(payload).error, topic).toBeUndefined();
    for (const isp of lab.isps)
      await until(`${isp.name} up in Home Assistant`, () => linkView(isp.name)?.state === "up", 20_000);
    expect(ha.events().find((e) => e.event === "birth")).toMatchObject({ error: null });
  });

  it("scrapes metrics that promtool accepts, with probes counted per target", async () => {
    const text = await scrapeUntil(
      inGw(),
      METRICS,
      (t) => t.includes("wanpilot_link_rtt_seconds"),
      "RTT samples",
    );
    expect(await promtool(text)).toBe("");
    const names = familyNames(text);
    for (const n of [
      "wanpilot_build_info",
      "wanpilot_link_info",
      "wanpilot_link_rtt_seconds",
      "wanpilot_link_transitions_total",
      "wanpilot_route_changes_total",
      "wanpilot_part_up",
    ])
      expect(names, n).toContain(n);
    const isp = lab.isps[0]?.name ?? "";
    expect(sample(text, "wanpilot_link_info", { link: isp, tier: "1" })).toBe(1);
  });

  it("after a link goes down, its numeric sensors read None and the counters move", async () => {
    const [dead, alive] = [lab.isps[0]?.name ?? "", lab.isps[1]?.name ?? ""];
    // The part metrics (probes per target) arrive every 10 s.
    const before = await scrapeUntil(
      inGw(),
      METRICS,
      (t) => sample(t, "wanpilot_probes_sent_total", { link: dead, part: `prober/${dead}` }) !== undefined,
      "the prober's own metrics",
    );
    const lostBefore = sample(before, "wanpilot_probes_lost_total", { link: dead }) ?? 0;
    const changesBefore = sample(before, "wanpilot_route_changes_total") ?? 0;
    await lab.cutUpstream(0);
    await until(`${dead} down in Home Assistant`, () => linkView(dead)?.state === "down", 20_000);
    const view = linkView(dead);
    // Every numeric sensor's template is `{{ value_json.<field> }}`: a null renders None (unknown).
    const numeric = [...ha.discovery("homeassistant").values()]
      .map((p) => HaDiscovery.parse(p))
      .filter((p) => p.state_topic === topics.haLink(GW, dead) && p.state_class === "measurement");
    expect(numeric.length).toBe(4);
    for (const p of numeric) {
      const field = /value_json\.(\w+)/.exec(p.value_template ?? "")?.[1] ?? "";
      expect((view as Record<string, unknown>)[field], p.name).toBeNull();
    }
    expect(linkView(alive)?.state).toBe("up");
    const after = await scrapeUntil(
      inGw(),
      METRICS,
      (t) =>
        (sample(t, "wanpilot_probes_lost_total", { link: dead }) ?? 0) > lostBefore &&
        (sample(t, "wanpilot_link_transitions_total", { link: dead, to: "down" }) ?? 0) >= 1 &&
        (sample(t, "wanpilot_route_changes_total") ?? 0) > changesBefore,
      "counters moving after the outage",
    );
    expect(sample(after, "wanpilot_link_up", { link: dead })).toBe(0);
    expect(sample(after, "wanpilot_link_rtt_seconds", { link: dead })).toBeUndefined();
    expect(await promtool(after)).toBe("");
    await lab.restoreUpstream(0);
  });

  it("with the operator credential, a link's switch, number and button take effect and the default route follows; the HA user's and the reader's are refused", async () => {
    const password = readFileSync(join(dir, "run", "operator.password"), "utf8").trim();
    const op = new HaLikeClient(
      inGw(),
      `mqtt://127.0.0.1:${PORT}`,
      "operator",
      password,
      "homeassistant",
      60,
    );
    operator = op;
    op.subscribe(topics.operations(GW));
    // Commands for the first link only: the last test counts the other's messages to Home Assistant.
    const [target, other] = [lab.isps[0], lab.isps[1]];
    const control = (client: HaLikeClient, name: string) =>
      until(`the control "${name}"`, () => {
        const found = [...client.discovery("homeassistant").values()]
          .map((p) => HaDiscovery.parse(p))
          .find((p) => p.name === name && p.command_topic !== undefined);
        return found?.unique_id;
      });
    /** The balance table's default route: device → weight. */
    const route = async () => {
      const r = await execa("ip", [
        ...inGw().slice(1),
        "ip",
        "-json",
        "route",
        "show",
        "table",
        String(BALANCE_TABLE_DEFAULT),
      ]);
      const def = (
        JSON.parse(r.stdout) as Array<{
          dst: string;
          dev?: string;
          nexthops?: Array<{ dev: string; weight?: number }>;
        }>
      ).find((x) => x.dst === "default");
      const hops = def?.nexthops ?? (def?.dev === undefined ? [] : [{ dev: def.dev, weight: 1 }]);
      return new Map(hops.map((h) => [h.dev, h.weight ?? 1]));
    };
    const routeBecomes = (what: string, ok: (r: Map<string, number>) => boolean) =>
      until(what, async () => ok(await route()), 20_000);
    const operations = () =>
      op
        .events()
        .filter((e) => e.event === "message" && e.topic === topics.operations(GW))
        .map((e) => Operation.parse(JSON.parse(String(e.payload))));
    await until("both links back in the route", async () => (await route()).size === 2, 30_000);

    const enabled = await control(op, `${target?.name} enabled`);
    op.use(enabled, "OFF");
    await routeBecomes(
      `${target?.wanInterface} out of the default route`,
      (r) => !r.has(target?.wanInterface ?? ""),
    );
    const metrics = await scrapeUntil(
      inGw(),
      METRICS,
      (t) => sample(t, "wanpilot_link_override", { link: target?.name ?? "", kind: "disable" }) === 1,
      "the override in the metrics",
    );
    expect(sample(metrics, "wanpilot_link_override", { link: other?.name ?? "", kind: "disable" })).toBe(0);
    op.use(enabled, "ON");
    await routeBecomes(`${target?.wanInterface} back`, (r) => r.has(target?.wanInterface ?? ""));

    const weight = await control(op, `${target?.name} configured weight`);
    op.use(weight, 7);
    await routeBecomes(`${target?.wanInterface} weight 7`, (r) => r.get(target?.wanInterface ?? "") === 7);
    op.use(weight, 1);
    await routeBecomes(`${target?.wanInterface} weight 1`, (r) => r.get(target?.wanInterface ?? "") === 1);

    op.use(await control(op, `${target?.name} drain`));
    await until("the drain accepted", () =>
      operations().find((o) => o.action === "drain" && o.link === target?.name && o.result === "accepted"),
    );
    await routeBecomes(`${target?.wanInterface} drained`, (r) => !r.has(target?.wanInterface ?? ""));
    op.use(enabled, "ON");
    await routeBecomes(`${target?.wanInterface} back`, (r) => r.has(target?.wanInterface ?? ""));
    const accepted = () =>
      operations()
        .filter((o) => o.result === "accepted")
        .map((o) => [o.action, o.link, o.by]);
    // The router publishes its state before the command's result: wait for the last one.
    await until("six accepted commands", () => accepted().length >= 6);
    expect(accepted()).toEqual([
      ["disable", target?.name, "operator"],
      ["enable", target?.name, "operator"],
      ["weight", target?.name, "operator"],
      ["weight", target?.name, "operator"],
      ["drain", target?.name, "operator"],
      ["enable", target?.name, "operator"],
    ]);

    // Home Assistant's own user reads everything but its commands are refused; it stays connected.
    const hass = new HaLikeClient(
      inGw(),
      `mqtt://127.0.0.1:${PORT}`,
      "hass",
      "ha-secret",
      "homeassistant",
      30,
    );
    try {
      const before = await route();
      hass.use(await control(hass, `${other?.name} enabled`), "OFF");
      const refused = await until("the HA user's command refused", () =>
        operations().find((o) => o.by === "hass"),
      );
      expect(refused).toMatchObject({ action: "disable", result: "refused" });
      expect(await route()).toEqual(before);
      expect(hass.events().filter((e) => e.event === "close")).toEqual([]);
    } finally {
      await hass.proc.stop();
    }
    // The reader (bus.username) likewise: refused with its reason, nothing changes.
    const before = await route();
    const pub = await execa(
      "ip",
      [...inGw().slice(1), "mosquitto_pub", "-h", "127.0.0.1", "-p", String(PORT), "-q", "1"].concat(
        ["-u", "reader", "-P", "reader-secret", "-t", topics.linkCommand(GW, other?.name ?? "")],
        ["-m", '{"id":"reader-1","action":"disable"}'],
      ),
      { reject: false, timeout: 10_000 },
    );
    expect(pub.exitCode, pub.stderr).toBe(0);
    const byReader = await until("the reader's command refused", () =>
      operations().find((o) => o.command === "reader-1"),
    );
    expect(byReader).toMatchObject({ by: "reader", result: "refused" });
    expect(byReader.reason).toMatch(/only the operator/);
    expect(await route()).toEqual(before);
    expect(op.events().filter((e) => e.event === "close")).toEqual([]);
  });

  it(
    `the client stayed connected for ${HA_SECONDS} s`,
    async () => {
      await until("the client's end", () => ha.proc.exit, (HA_SECONDS + 20) * 1000);
      const events = ha.events();
      expect(events.filter((e) => e.event === "connect")).toHaveLength(1);
      expect(events.find((e) => e.event === "done")).toMatchObject({ closes: 0, connected: true });
      // What Home Assistant's recorder writes: the prober publishes health every 2 s (30 in 60 s); the
      // link's state for Home Assistant goes out only on a change, its numbers at most every 30 s.
      const alive = lab.isps[1]?.name ?? "";
      const states = events.filter((e) => e.event === "message" && e.topic === topics.haLink(GW, alive));
      process.stderr.write(
        `[observer-embedded] ${alive}: ${states.length} state messages in ${HA_SECONDS} s\n`,
      );
      expect(states.length).toBeGreaterThan(0);
      expect(states.length).toBeLessThanOrEqual(15);
    },
    (HA_SECONDS + 30) * 1000,
  );
});
