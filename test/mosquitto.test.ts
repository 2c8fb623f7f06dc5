import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Component, componentId, topics } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Spawned } from "./helpers/process.js";
import { BusWatch } from "./helpers/watch.js";

// With bus.url set, no embedded broker: every part connects to an external broker, here a real
// Mosquitto (Debian package) inside a lab's gateway namespace, set up with the files
// `wanpilot broker-config --mosquitto` writes (a password and an ACL per part), plain and over TLS.
const BIN = new URL("../packages/cli/bin/wanpilot.js", import.meta.url).pathname;
const GW = "mosq";
const PORT = 18841;
const TLS_PORT = 18842;

let lab: Lab;
let dir: string;
let mosquitto: Spawned;
let watch: BusWatch;
const inGw = () => ["ip", "netns", "exec", lab.ns.gw];

function writeConfig(name = "wanpilot.yaml", url = `mqtt://127.0.0.1:${PORT}`, extra = ""): string {
  writeFileSync(join(dir, "watcher.pass"), "watch-secret\n", { mode: 0o600 });
  const links = lab.isps
    .map(
      (isp) =>
        `  - {name: ${isp.name}, interface: ${isp.wanInterface}, gateway: ${isp.modemAddress}, source: ${isp.gwAddress}, probe: {targets: [${lab.targets.join(", ")}], interval: 200ms, timeout: 500ms}}\n`,
    )
    .join("");
  const path = join(dir, name);
  writeFileSync(
    path,
    `gateway: ${GW}
links:
${links}bus:
  url: ${url}
  credentials_dir: ${join(dir, "creds")}
  username: watcher
  password_file: ${join(dir, "watcher.pass")}
${extra}runtime_dir: ${join(dir, "run")}
logger:
  database: ${join(dir, "wanpilot.db")}
`,
  );
  return path;
}

/** A throwaway CA and a server certificate for 127.0.0.1, and a client certificate, made with openssl. */
async function makeCerts(): Promise<void> {
  const ssl = (args: string[]) => execa("openssl", args, { cwd: dir, timeout: 30_000 });
  await ssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=wanpilot test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  ]);
  for (const who of ["server", "client"]) {
    await ssl([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${who}`,
      "-keyout",
      `${who}.key`,
      "-out",
      `${who}.csr`,
    ]);
    writeFileSync(
      join(dir, `${who}.ext`),
      who === "server" ? "subjectAltName=IP:127.0.0.1\n" : "extendedKeyUsage=clientAuth\n",
    );
    await ssl([
      "x509",
      "-req",
      "-in",
      `${who}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      `${who}.ext`,
      "-out",
      `${who}.crt`,
    ]);
  }
  chmodSync(join(dir, "client.key"), 0o600);
}

beforeAll(async () => {
  lab = await createLab({ isps: 2, name: "climosq" });
  dir = mkdtempSync(join(tmpdir(), "wanpilot-mosq-"));
  const config = writeConfig();
  const gen = await execa(
    process.execPath,
    [BIN, "broker-config", "--mosquitto", join(dir, "mosq"), "--config", config],
    {
      reject: false,
      timeout: 20_000,
    },
  );
  expect(gen.exitCode, gen.stderr).toBe(0);
  await makeCerts();
  writeFileSync(
    join(dir, "mosquitto.conf"),
    [
      `listener ${PORT} 127.0.0.1`,
      `listener ${TLS_PORT} 127.0.0.1`,
      `cafile ${join(dir, "ca.crt")}`,
      `certfile ${join(dir, "server.crt")}`,
      `keyfile ${join(dir, "server.key")}`,
      "require_certificate true",
      // The generated settings: allow_anonymous false, password_file, acl_file.
      `include_dir ${join(dir, "mosq")}`,
      "persistence false",
      "log_dest stderr", // stdout is block-buffered into a pipe
      "log_type all",
      // Running as root, mosquitto would switch to its own user and could not read the temp dir.
      "user root",
      "",
    ].join("\n"),
  );
  mosquitto = new Spawned([...inGw(), "mosquitto", "-c", join(dir, "mosquitto.conf")]);
  await until(
    "mosquitto to listen",
    () => mosquitto.lines.some((l) => /Opening ipv4 listen socket on port/.test(l.line)) || mosquitto.exit,
    15_000,
  );
  expect(mosquitto.exit, mosquitto.text()).toBeUndefined();
  watch = new BusWatch(inGw(), PORT, ["-u", "watcher", "-P", "watch-secret"]);
});

afterAll(async () => {
  await watch?.close();
  await mosquitto?.stop();
  await lab?.destroy();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe(`parts on an external Mosquitto (bus.url)`, () => {
  it("wanpilot start runs no broker of its own; every part connects to Mosquitto and publishes there", async () => {
    const config = writeConfig();
    const start = new Spawned([...inGw(), process.execPath, BIN, "start", "--config", config]);
    const components: Component[] = [
      ...lab.isps.map((i): Component => ({ kind: "prober", link: i.name })),
      { kind: "router" },
      { kind: "logger" },
      { kind: "supervisor" },
    ];
    try {
      await until(
        "every availability online on mosquitto",
        () => components.every((c) => watch.last(topics.availability(GW, c)) === "online"),
        30_000,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\nseen:\n${watch.sub.text()}\nstart:\n${start.text().slice(-4000)}`);
      });
      await until("supervisor state on mosquitto", () => watch.last(topics.supervisorState(GW)), 15_000);
      expect(start.json().some((l) => l.msg === "broker listening")).toBe(false);
      // Mosquitto saw each part log in with its own credential.
      expect(mosquitto.text()).toMatch(/New client connected .* as wanpilot-mosq-router .*u'mosq\/router'/);
      expect(mosquitto.text()).toMatch(/as wanpilot-mosq-prober-isp1 .*u'mosq\/prober\/isp1'/);
    } finally {
      await start.stop("SIGTERM", 10_000);
    }
    expect(start.exit?.code).toBe(0);
    for (const c of components)
      expect(watch.last(topics.availability(GW, c)), componentId(c)).toBe("offline");
  });

  it("a part run alone (wanpilot logger) connects to Mosquitto too", async () => {
    const config = join(dir, "wanpilot.yaml");
    const logger = new Spawned([...inGw(), process.execPath, BIN, "logger", "--config", config]);
    const topic = topics.availability(GW, { kind: "logger" });
    const since = Date.now();
    try {
      await until(
        "the logger online",
        () => watch.messages().some((m) => m.topic === topic && m.payload === "online" && m.atMs >= since),
        20_000,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\nlogger:\n${logger.text().slice(-3000)}`);
      });
    } finally {
      await logger.stop("SIGTERM");
    }
    expect(logger.exit?.code).toBe(0);
    await until("the logger offline after SIGTERM", () => watch.last(topic) === "offline", 15_000);
  });

  it("each part's credential may publish only its own topics; the reader none (generated ACL)", async () => {
    const pass = (file: string) => readFileSync(join(dir, "creds", file), "utf8").trim();
    const pub = (user: string, password: string, topic: string, payload: string) =>
      execa(
        "ip",
        [
          ...inGw().slice(1),
          "mosquitto_pub",
          "-h",
          "127.0.0.1",
          "-p",
          String(PORT),
          "-u",
          user,
          "-P",
          password,
        ].concat(["-t", topic, "-m", payload, "-q", "1"]),
        { reject: false, timeout: 10_000 },
      );
    const isp1 = lab.isps[0]?.name ?? "";
    const isp2 = lab.isps[1]?.name ?? "";
    const forged = `forged-${process.pid}`;
    await pub(`${GW}/prober/${isp1}`, pass(`prober@${isp1}.pass`), topics.routerState(GW), forged);
    await pub(`${GW}/prober/${isp1}`, pass(`prober@${isp1}.pass`), topics.linkHealth(GW, isp2), forged);
    await pub("watcher", "watch-secret", topics.availability(GW, { kind: "router" }), forged);
    // Allowed: the prober's own health topic (an invalid payload, dropped by its subscribers).
    const allowed = `allowed-${process.pid}`;
    await pub(`${GW}/prober/${isp1}`, pass(`prober@${isp1}.pass`), topics.linkHealth(GW, isp1), allowed);
    await until("the allowed publish", () => watch.messages().some((m) => m.payload === allowed));
    expect(watch.messages().filter((m) => m.payload === forged)).toEqual([]);
    expect(mosquitto.text()).toMatch(/Denied PUBLISH from wanpilot|Denied PUBLISH/);
  });

  it("a part connects over TLS (mqtts://, CA, client certificate and key)", async () => {
    const tls = `  tls: {ca_file: ${join(dir, "ca.crt")}, cert_file: ${join(dir, "client.crt")}, key_file: ${join(dir, "client.key")}}\n`;
    const config = writeConfig("tls.yaml", `mqtts://127.0.0.1:${TLS_PORT}`, tls);
    const logger = new Spawned([...inGw(), process.execPath, BIN, "logger", "--config", config]);
    const topic = topics.availability(GW, { kind: "logger" });
    const since = Date.now();
    try {
      await until(
        "the logger online over TLS",
        () => watch.messages().some((m) => m.topic === topic && m.payload === "online" && m.atMs >= since),
        20_000,
      ).catch((err: unknown) => {
        throw new Error(
          `${String(err)}\nlogger:\n${logger.text().slice(-3000)}\nmosquitto:\n${mosquitto.text().slice(-2000)}`,
        );
      });
    } finally {
      await logger.stop("SIGTERM");
    }
    expect(mosquitto.text()).toMatch(
      new RegExp(`New connection from 127\\.0\\.0\\.1:\\d+ on port ${TLS_PORT}`),
    );
  });
});

describe("bus.url refusals", () => {
  const check = (yaml: string) => {
    const d = mkdtempSync(join(tmpdir(), "wanpilot-url-"));
    const path = join(d, "c.yaml");
    writeFileSync(path, `gateway: gw\nlinks:\n  - {name: dsl, interface: wan1}\nbus:\n${yaml}`);
    return execa(process.execPath, [BIN, "check-config", "--config", path], {
      reject: false,
      timeout: 20_000,
    }).finally(() => rmSync(d, { recursive: true, force: true }));
  };

  it("refuses a bus.url without credentials, except on loopback with allow_no_credentials", async () => {
    const none = await check("  url: mqtt://broker.example:1883\n");
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("bus.credentials_dir: an external broker needs a credential per part");
    const remote = await check("  url: mqtt://broker.example:1883\n  allow_no_credentials: true\n");
    expect(remote.stderr).toContain("bus.allow_no_credentials: only for a broker on loopback");
    const local = await check("  url: mqtt://127.0.0.1:1883\n  allow_no_credentials: true\n");
    expect(local.exitCode, local.stderr).toBe(0);
  });

  it("never prints credentials given in bus.url", async () => {
    for (const url of ["mqtt://gw:hunter2@broker.example:1883", "http://gw:hunter2@broker.example"]) {
      const r = await check(`  url: "${url}"\n  credentials_dir: /etc/wanpilot/bus\n`);
      expect(r.exitCode).toBe(1);
      expect(`${r.stdout}${r.stderr}`).not.toContain("hunter2");
      expect(r.stderr).toMatch(/bus\.url: /);
    }
  });
});
