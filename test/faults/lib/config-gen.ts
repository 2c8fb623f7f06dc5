import { stringify } from "yaml";
import { HOSTILE_STRINGS } from "./hostile.js";
import type { Rng } from "./rng.js";

/**
 * A seeded generator of broken configs: a valid config with one to three mutations, each of which
 * alone makes the config invalid, together with the path its message must name.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
type Path = Array<string | number>;

export interface BrokenConfig {
  /** What was done, for failure messages ("links[1].weight = 0"). */
  mutations: string[];
  /** Paths as wanpilot formats them (`links[1].probe.interval`); each must start a message. "" = top level. */
  expectedPaths: string[];
  /** The file's text. */
  text: string;
}

/** A valid config using every section, so every field can be mutated. */
export function baseConfig(rng: Rng): Obj {
  const linkCount = rng.int(2, 4);
  const links: Json[] = [];
  for (let i = 1; i <= linkCount; i++)
    links.push({
      name: `isp${i}`,
      interface: `wan${i}`,
      gateway: `198.18.${i}.1`,
      source: `198.18.${i}.2`,
      weight: i,
      tier: 1,
      table: 100 + i,
      masquerade: true,
      probe: {
        targets: ["203.0.113.1", { host: "203.0.113.2", method: "tcp", port: 443, name: "web" }],
        interval: "500ms",
        timeout: "1s",
        reliability: 1,
        down: 3,
        up: 10,
        degraded: { rtt: "400ms", loss: "20%" },
      },
    });
  return {
    gateway: "fuzz-gw",
    links,
    balance: { hash: "l4", sticky: true, flush_on_down: true, all_down: "keep", degraded: "demote" },
    rules: [
      { name: "voip", proto: "udp", dport: "5060-5061", src: "198.18.100.0/24", via: ["isp1", "isp2"] },
      { name: "cam", proto: "tcp", dport: 8000, dst: "203.0.113.0/24", iif: "lan0", via: ["isp2"] },
    ],
    bus: { listen: "127.0.0.1:1883", anonymous: "loopback" },
    logger: { database: "/var/lib/wanpilot/wanpilot.db", health_retention: "90d", health_every: "10s" },
    metrics: { listen: "127.0.0.1:9400" },
    runtime_dir: "/run/wanpilot",
    log_level: "info",
  };
}

export function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function get(root: Json, path: Path): Json | undefined {
  let cur: Json | undefined = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, Json>)[p];
  }
  return cur;
}

function set(root: Json, path: Path, value: Json | undefined): void {
  const parent = get(root, path.slice(0, -1)) as Record<string | number, Json>;
  const key = path.at(-1) as string | number;
  if (value === undefined) delete parent[key];
  else parent[key] = value;
}

const WRONG_TYPES: Json[] = [null, [], {}, true, { a: 1 }, [1, 2]];
const HOSTILE = [...HOSTILE_STRINGS];

/** Bad values by the kind of field. */
const BAD: Record<string, Json[]> = {
  ipv4: [
    "198.18.1.256",
    "01.2.3.4",
    "1.2.3",
    "1.2.3.4.5",
    "::1",
    "2001:db8::1",
    "1.2.3.4/24",
    "",
    42,
    ...HOSTILE,
  ],
  prefix: ["198.18.100.1/24", "1.2.3.0/33", "1.2.3.0/", "1.2.3.0/-1", "a.b.c.d/8", "::/0", 42, ...HOSTILE],
  iface: ["", "abcdefghijklmnop", "eth0/1", "eth:0", "wan 1", ".", 7, ...HOSTILE],
  linkName: ["ISP1", "", "x".repeat(33), "isp 1", "isp/1", "+", "#", "isp.1", 3],
  ruleName: ["VoIP", "", "x".repeat(33), "a b", "a/b", 3],
  gatewayId: ["GW", "", "x".repeat(65), "gw/1", "gw#", "gw+", 1],
  weight: [0, -1, 257, 1.5, "3", 1e20],
  tier: [0, 17, -3, 2.5, "1"],
  table: [0, 253, 254, 255, -1, 4294967295, 1.5, "main"],
  count: [0, -1, 1001, 2.5, "3"],
  bool: ["yes", "true", 1, 0, "on"],
  interval: ["fast", "10 parsecs", -5, 10, "49ms", "61s", "1y", true],
  timeout: ["never", 10, "31s", "-1s", false],
  rtt: ["0ms", 0, "slow", true],
  loss: ["120%", 1.5, -0.1, "abc", "20 %%", true],
  port: [0, 65536, "9000-8000", "80-", "http", 1.5, true, "-1", "1-2-3"],
  listen: [
    "127.0.0.1",
    "localhost:0",
    "127.0.0.1:70000",
    "1.2.3.4.5:1883",
    1883,
    "example.com:1883",
    ...HOSTILE,
  ],
  absPath: ["relative/dir", "", 5, "./run"],
  retention: ["1s", "forever", -1, true, "59s"],
  healthEvery: ["999ms", "often", true],
  hash: ["L4", "", "l5", 4, "host "],
  allDown: ["drop", "", 0],
  degradedMode: ["ignore", "DEMOTE", 1],
  proto: ["sctp", "TCP", "", 6],
  fallback: ["drop", "", true],
  anonymous: ["all", "yes", true],
  logLevel: ["verbose", "INFO", 3],
  host: [
    "-1.1.1.1",
    "a..b",
    "x".repeat(254),
    "203.0.113.1; reboot",
    "$(x)",
    "",
    5,
    "[::1]",
    "1.1.1.1 dev lo",
  ],
  targetName: ["", "x".repeat(65), "a b", "a/b", "$(x)", 5],
  method: ["ping", "ICMP", "", 1],
};

/** Leaf fields of a base config and the kind of their bad values. */
function leaves(cfg: Obj): Array<{ path: Path; kind: string }> {
  const out: Array<{ path: Path; kind: string }> = [
    { path: ["gateway"], kind: "gatewayId" },
    { path: ["runtime_dir"], kind: "absPath" },
    { path: ["log_level"], kind: "logLevel" },
    { path: ["balance", "hash"], kind: "hash" },
    { path: ["balance", "sticky"], kind: "bool" },
    { path: ["balance", "flush_on_down"], kind: "bool" },
    { path: ["balance", "all_down"], kind: "allDown" },
    { path: ["balance", "degraded"], kind: "degradedMode" },
    { path: ["bus", "listen"], kind: "listen" },
    { path: ["bus", "anonymous"], kind: "anonymous" },
    { path: ["logger", "health_retention"], kind: "retention" },
    { path: ["logger", "health_every"], kind: "healthEvery" },
    { path: ["metrics", "listen"], kind: "listen" },
  ];
  const links = cfg.links as Obj[];
  links.forEach((_, i) => {
    const l = (k: string, kind: string) => out.push({ path: ["links", i, k], kind });
    const p = (k: Array<string | number>, kind: string) =>
      out.push({ path: ["links", i, "probe", ...k], kind });
    l("name", "linkName");
    l("interface", "iface");
    l("gateway", "ipv4");
    l("source", "ipv4");
    l("weight", "weight");
    l("tier", "tier");
    l("table", "table");
    l("masquerade", "bool");
    p(["interval"], "interval");
    p(["timeout"], "timeout");
    p(["down"], "count");
    p(["up"], "count");
    p(["degraded", "rtt"], "rtt");
    p(["degraded", "loss"], "loss");
    p(["targets", 1, "host"], "host");
    p(["targets", 1, "name"], "targetName");
    p(["targets", 1, "method"], "method");
    p(["targets", 1, "port"], "port");
  });
  (cfg.rules as Obj[]).forEach((_, k) => {
    const r = (f: string, kind: string) => out.push({ path: ["rules", k, f], kind });
    r("name", "ruleName");
    r("proto", "proto");
    r("dport", "port");
    r("fallback", "fallback");
    r(k === 0 ? "src" : "dst", "prefix");
    if (k === 1) r("iif", "iface");
    out.push({ path: ["rules", k, "via", 0], kind: "linkName" });
  });
  return out;
}

type Mutation = (cfg: Obj, rng: Rng) => { what: string; path: string };

const badValue: Mutation = (cfg, rng) => {
  const { path, kind } = rng.pick(leaves(cfg));
  const current = get(cfg, path);
  const wrong = WRONG_TYPES.filter((v) => typeof v !== typeof current);
  const value = rng.chance(0.15) ? rng.pick(wrong) : rng.pick(BAD[kind] ?? wrong);
  set(cfg, path, value);
  return { what: `${formatPath(path)} = ${JSON.stringify(value)}`, path: formatPath(path) };
};

const OBJECTS: Path[] = [[], ["balance"], ["bus"], ["logger"], ["metrics"], ["links", 0], ["links", 1]];
const UNKNOWN_KEYS = [
  "wieght",
  "interfaces",
  "Gateway",
  "__proto__",
  "constructor",
  "toString",
  "x-y",
  "links ",
];

const unknownKey: Mutation = (cfg, rng) => {
  const where = rng.pick([
    ...OBJECTS,
    ["links", 0, "probe"],
    ["links", 1, "probe", "degraded"],
    ["links", 0, "probe", "targets", 1],
    ["rules", 0],
  ] as Path[]);
  const key = rng.pick(UNKNOWN_KEYS);
  const obj = get(cfg, where) as Obj;
  Object.defineProperty(obj, key, {
    value: rng.pick([1, "x", true, null]),
    enumerable: true,
    writable: true,
  });
  return {
    what: `unknown key ${JSON.stringify(key)} at ${formatPath(where) || "top"}`,
    path: formatPath(where),
  };
};

const duplicate: Mutation = (cfg, rng) => {
  const links = cfg.links as Obj[];
  if (rng.chance(0.2)) {
    const rules = cfg.rules as Obj[];
    set(cfg, ["rules", 1, "name"], rules[0]?.name ?? "voip");
    return { what: "rules[1].name duplicates rules[0]", path: "rules[1].name" };
  }
  if (rng.chance(0.15)) {
    set(cfg, ["rules", 0, "via", 1], "isp1");
    return { what: "rules[0].via lists isp1 twice", path: "rules[0].via[1]" };
  }
  // Not `source`: two links may share an address on different interfaces (look-alike modems).
  const field = rng.pick(["name", "interface", "table"]);
  const j = rng.int(1, links.length - 1);
  set(cfg, ["links", j, field], links[0]?.[field] ?? null);
  if (field === "name") {
    // A rule naming the renamed link would also be flagged; keep the mutation single.
    for (const r of cfg.rules as Obj[]) r.via = ["isp1"];
  }
  return { what: `links[${j}].${field} duplicates links[0]`, path: `links[${j}].${field}` };
};

const missing: Mutation = (cfg, rng) => {
  const choice = rng.int(0, 5);
  if (choice === 0) {
    cfg.links = [];
    return { what: "no links", path: "links" };
  }
  if (choice === 1) {
    delete cfg.links;
    return { what: "links removed", path: "links" };
  }
  if (choice === 2) {
    set(cfg, ["rules", 0, "via"], []);
    return { what: "rules[0].via empty", path: "rules[0].via" };
  }
  if (choice === 3) {
    set(cfg, ["links", 0, "probe", "targets"], []);
    return { what: "links[0].probe.targets empty", path: "links[0].probe.targets" };
  }
  const field = choice === 4 ? "interface" : "name";
  set(cfg, ["links", 1, field], undefined);
  if (field === "name") for (const r of cfg.rules as Obj[]) r.via = ["isp1"];
  return { what: `links[1].${field} removed`, path: `links[1].${field}` };
};

const semantic: Mutation = (cfg, rng) => {
  const choice = rng.int(0, 6);
  const links = cfg.links as Obj[];
  if (choice === 0) {
    set(cfg, ["links", 0, "probe", "reliability"], 3);
    return { what: "reliability 3 with 2 targets", path: "links[0].probe.reliability" };
  }
  if (choice === 1) {
    set(cfg, ["links", links.length - 1, "tier"], 3);
    return { what: "tier 3 without tier 2", path: "links" };
  }
  if (choice === 2) {
    set(cfg, ["rules", 1, "proto"], rng.pick(["icmp", "any"]));
    return { what: "ports without tcp/udp", path: "rules[1].proto" };
  }
  if (choice === 3) {
    set(cfg, ["rules", 0, "via", 0], "isp9");
    return { what: "rule via an unknown link", path: "rules[0].via[0]" };
  }
  if (choice === 4) {
    set(cfg, ["bus", "listen"], "0.0.0.0:1883");
    return { what: "non-loopback listener without credentials", path: "bus.listen" };
  }
  if (choice === 5) {
    set(cfg, ["bus", "username"], "remote");
    return { what: "username without password_file", path: "bus.password_file" };
  }
  set(cfg, ["links", 0, "probe", "targets", 1, "method"], "http");
  return { what: "http target without url", path: "links[0].probe.targets[1].url" };
};

const wrongContainer: Mutation = (cfg, rng) => {
  const where = rng.pick([
    ["links"],
    ["links", 0],
    ["links", 0, "probe"],
    ["links", 0, "probe", "targets"],
    ["balance"],
    ["rules"],
    ["rules", 0, "via"],
    ["bus"],
    ["logger"],
  ] as Path[]);
  const current = get(cfg, where);
  const value: Json = Array.isArray(current) ? rng.pick([{ a: 1 }, "x", 5]) : rng.pick([[1], "x", 5, true]);
  set(cfg, where, value);
  return { what: `${formatPath(where)} = ${JSON.stringify(value)}`, path: formatPath(where) };
};

const MUTATIONS: Array<[Mutation, number]> = [
  [badValue, 10],
  [unknownKey, 2],
  [duplicate, 2],
  [missing, 1],
  [semantic, 2],
  [wrongContainer, 1],
];

const STRUCTURAL = new Set<Mutation>([missing, wrongContainer]);

function pickMutation(rng: Rng): Mutation {
  const total = MUTATIONS.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [m, w] of MUTATIONS) {
    r -= w;
    if (r < 0) return m;
  }
  return badValue;
}

/** YAML-level breakage: the message names the file, line and column instead of a key path. */
const YAML_BREAKS: Array<(text: string) => string> = [
  (t) => t.replace("gateway: fuzz-gw", "gateway: fuzz-gw\ngateway: again"),
  (t) => t.replace("log_level: info", "log_level: [info"),
  (t) => t.replace("log_level: info", 'log_level: "info'),
  (t) => t.replace("balance:\n  hash", "balance:\n\thash"),
  (t) => `${t}\n  - stray: item\n`,
  (t) => t.replace("links:", "links: *nowhere"),
  (t) => t.replace("  hash: l4", "  hash: l4\n  hash: l3"),
];

/** One broken config. A few are broken YAML (expected path: the source:line:col). */
export function brokenConfig(rng: Rng, source: string): BrokenConfig {
  const cfg = baseConfig(rng);
  if (rng.chance(0.05)) {
    const i = rng.int(0, YAML_BREAKS.length - 1);
    const text = (YAML_BREAKS[i] as (t: string) => string)(stringify(cfg));
    return { mutations: [`yaml break #${i}`], expectedPaths: [`${source}:`], text };
  }
  const count = rng.chance(0.7) ? 1 : rng.int(2, 3);
  const mutations: string[] = [];
  const expectedPaths: string[] = [];
  // Structural mutations (a list removed or replaced) go last, so the others still find their fields.
  const picked = Array.from({ length: count }, () => pickMutation(rng)).sort(
    (a, b) => Number(STRUCTURAL.has(a)) - Number(STRUCTURAL.has(b)),
  );
  for (const mutate of picked) {
    // A field an earlier mutation already removed: that mutation alone breaks the config.
    if (mutations.length > 0 && STRUCTURAL.has(mutate)) break;
    const { what, path } = mutate(cfg, rng);
    mutations.push(what);
    expectedPaths.push(path);
  }
  return { mutations, expectedPaths, text: stringify(cfg) };
}
