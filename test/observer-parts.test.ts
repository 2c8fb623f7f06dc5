import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HaDiscovery, topics } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HaLikeClient, promtool, sample, scrapeUntil } from "./helpers/observe.js";
import { Spawned } from "./helpers/process.js";

// The per-part deployment (each part its own process, as the systemd units and compose services run
// them) on Home Assistant's own Mosquitto (bus.url): discovery and metrics are there too, and a prober
// that stops leaves no frozen samples behind.
const BIN = new URL("../packages/cli/bin/wanpilot.js", import.meta.url).pathname;
const GW = "obsparts";
const PORT = 18851;
const METRICS = 19151;
const HA_SECONDS = 60;

let lab: Lab;
let dir: string;
let mosquitto: Spawned;
let ha: HaLikeClient;
const parts = new Map<string, Spawned>();
const inGw = () => ["ip", "netns", "exec", lab.ns.gw];

async function passwd(file: string, user: string, password: string, create: boolean): Promise<void> {
  await execa("mosquitto_passwd", [...(create ? ["-c"] : []), "-b", file, user, password], {
    timeout: 10_000,
  });
}

function writeConfig(): string {
  writeFileSync(join(dir, "gw.pass"), "gw-secret\n", { mode: 0o600 });
  const links = lab.isps
    .map(
      (isp) =>
        `  - {name: ${isp.name}, interface: ${isp.wanInterface}, gateway: ${isp.modemAddress}, source: ${isp.gwAddress}, probe: {targets: [${lab.targets.join(", ")}], interval: 200ms, timeout: 500ms}}\n`,
    )
    .join("");
  const path = join(dir, "wanpilot.yaml");
  writeFileSync(
    path,
    `gateway: ${GW}
links:
${links}bus:
  url: mqtt://127.0.0.1:${PORT}
  username: gw1
  password_file: ${join(dir, "gw.pass")}
  credentials_dir: ${join(dir, "creds")}
homeassistant:
  prefix: ha
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
  lab = await createLab({ isps: 2, name: "obsparts" });
  dir = mkdtempSync(join(tmpdir(), "wanpilot-obsparts-"));
  const config = writeConfig();
  // Each part's own login (bus.credentials_dir), as `wanpilot broker-config --mosquitto` writes them; the
  // ACL it also writes is not loaded here: HA's Mosquitto in this setup checks passwords only.
  const gen = await execa(
    process.execPath,
    [BIN, "broker-config", "--mosquitto", join(dir, "mosq"), "--config", config],
    {
      reject: false,
      timeout: 20_000,
    },
  );
  if (gen.exitCode !== 0) throw new Error(`broker-config failed: ${gen.stderr}`);
  const pw = join(dir, "mosq", "passwd");
  await passwd(pw, "homeassistant", "ha-secret", false);
  writeFileSync(
    join(dir, "mosquitto.conf"),
    [`listener ${PORT} 127.0.0.1`, "allow_anonymous false", `password_file ${pw}`, "persistence false"]
      .concat(["log_dest stderr", "log_type all", "user root", ""])
      .join("\n"),
  );
  mosquitto = new Spawned([...inGw(), "mosquitto", "-c", join(dir, "mosquitto.conf")]);
  await until(
    "mosquitto to listen",
    () => mosquitto.lines.some((l) => /Opening ipv4 listen socket on port/.test(l.line)) || mosquitto.exit,
    15_000,
  );
  ha = new HaLikeClient(inGw(), `mqtt://127.0.0.1:${PORT}`, "homeassistant", "ha-secret", "ha", HA_SECONDS);
  const argv = [...lab.isps.map((i) => ["prober", "--link", i.name]), ["router"], ["logger"], ["observer"]];
  for (const a of argv)
    parts.set(a.join(" "), new Spawned([...inGw(), process.execPath, BIN, ...a, "--config", config]));
});

afterAll(async () => {
  for (const p of parts.values()) await p.stop();
  await ha?.proc.stop();
  await mosquitto?.stop();
  await lab?.destroy();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe(`parts run separately on Mosquitto (bus.url)`, () => {
  it("a Home Assistant-like client on Mosquitto gets valid discovery under the configured prefix", async () => {
    const expected = lab.isps.length * 7 + 6;
    await until(`${expected} discovery configs`, () => ha.discovery("ha").size >= expected, 30_000).catch(
      (err: unknown) => {
        const logs = [...parts.values()].map((p) => p.text().slice(-1500)).join("\n");
        throw new Error(`${String(err)}\nha:\n${ha.proc.text().slice(-3000)}\nparts:\n${logs}`);
      },
    );
    for (const [topic, payload] of ha.discovery("ha"))
      expect(HaDiscovery.safeParse(payload).error, topic).toBeUndefined();
    for (const isp of lab.isps)
      await until(
        `${isp.name} up`,
        () => ha.last(topics.haLink(GW, isp.name))?.includes('"state":"up"'),
        20_000,
      );
  });

  it("serves metrics from every part; a stopped prober's link goes stale instead of freezing", async () => {
    const [stopped, kept] = [lab.isps[0]?.name ?? "", lab.isps[1]?.name ?? ""];
    const before = await scrapeUntil(
      inGw(),
      METRICS,
      (t) =>
        ["router", "logger", "observer", `prober/${stopped}`, `prober/${kept}`].every(
          (part) => sample(t, "process_cpu_seconds_total", { part }) !== undefined,
        ),
      "process metrics of every part",
    );
    expect(await promtool(before)).toBe("");
    expect(sample(before, "wanpilot_link_stale", { link: stopped })).toBe(0);
    expect(sample(before, "wanpilot_link_rtt_seconds", { link: stopped })).toBeGreaterThan(0);
    await parts.get(`prober --link ${stopped}`)?.stop();
    const after = await scrapeUntil(
      inGw(),
      METRICS,
      (t) => sample(t, "wanpilot_link_stale", { link: stopped }) === 1,
      "the stopped prober's link stale",
    );
    expect(sample(after, "wanpilot_part_up", { part: `prober/${stopped}` })).toBe(0);
    for (const name of ["wanpilot_link_up", "wanpilot_link_rtt_seconds", "wanpilot_link_loss_ratio"])
      expect(sample(after, name, { link: stopped }), name).toBeUndefined();
    expect(sample(after, "wanpilot_probes_sent_total", { link: stopped })).toBeUndefined();
    expect(sample(after, "process_cpu_seconds_total", { part: `prober/${stopped}` })).toBeUndefined();
    expect(sample(after, "wanpilot_link_stale", { link: kept })).toBe(0);
    expect(sample(after, "wanpilot_link_rtt_seconds", { link: kept })).toBeGreaterThan(0);
    expect(await promtool(after)).toBe("");
    // Home Assistant sees the link unavailable (its prober's availability is in every entity's list).
    await until(
      "the prober offline for Home Assistant",
      () => ha.last(topics.availability(GW, { kind: "prober", link: stopped })) === "offline",
      15_000,
    );
  });

  it(
    `the client stayed connected to Mosquitto for ${HA_SECONDS} s`,
    async () => {
      await until("the client's end", () => ha.proc.exit, (HA_SECONDS + 20) * 1000);
      const events = ha.events();
      expect(events.filter((e) => e.event === "connect")).toHaveLength(1);
      expect(events.find((e) => e.event === "done")).toMatchObject({ closes: 0, connected: true });
    },
    (HA_SECONDS + 30) * 1000,
  );
});
