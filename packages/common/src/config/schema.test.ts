import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_LINKS } from "./balance.js";
import { configJsonSchema } from "./json-schema.js";
import { parseConfigText } from "./parse.js";

const root = new URL("../../../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

function problems(yaml: string): string[] {
  const r = parseConfigText(yaml, "test.yaml");
  return r.ok ? [] : r.problems;
}

const LINKS = `
links:
  - name: dsl
    interface: wan1
  - name: cable
    interface: wan2
`;

describe("the config file", () => {
  it.each(["examples/two-links.yaml", "examples/four-links.yaml"])("%s is valid", (path) => {
    const r = parseConfigText(read(path), path);
    expect(r.ok ? [] : r.problems).toEqual([]);
  });

  it("applies the documented defaults", () => {
    const r = parseConfigText(LINKS);
    if (!r.ok) throw new Error(r.problems.join("\n"));
    const { config } = r;
    expect(config.gateway).toBe("wanpilot");
    expect(config.links.map((l) => l.table)).toEqual([101, 102]);
    expect(config.links[0]).toMatchObject({ weight: 1, tier: 1, masquerade: true });
    expect(config.links[0]?.probe).toMatchObject({
      interval: 200,
      timeout: 700,
      timeout_min: 150,
      standby_interval: 30_000,
      down: 3,
      up: 10,
      reliability: 1,
      degraded: { rtt: 400, loss: 0.2 },
    });
    expect(config.links[0]?.probe.targets.map((t) => t.host)).toEqual(["1.1.1.1", "8.8.8.8", "9.9.9.9"]);
    expect(config.balance).toEqual({
      hash: "l4",
      sticky: true,
      flush_on_down: true,
      all_down: "keep",
      degraded: "demote",
      mark_mask: 0x7f000000,
    });
    expect(config.bus).toMatchObject({ listen: "127.0.0.1:1883", anonymous: "loopback" });
    expect(config.logger.database).toBe("/var/lib/wanpilot/wanpilot.db");
  });

  it("standby_interval defaults to 30 s, or to the interval when that is longer", () => {
    const r = parseConfigText(`${LINKS}    probe: { interval: 45s }`);
    if (!r.ok) throw new Error(r.problems.join("\n"));
    expect(r.config.links.map((l) => l.probe.standby_interval)).toEqual([30_000, 45_000]);
  });

  it("accepts two links with the same source address and gateway (told apart by interface and mark)", () => {
    const same = "    source: 198.18.50.100\n    gateway: 198.18.50.1\n";
    const r = parseConfigText(LINKS.replace("wan1\n", `wan1\n${same}`).replace("wan2\n", `wan2\n${same}`));
    expect(r.ok ? [] : r.problems).toEqual([]);
  });

  it("gives default tables around explicit ones", () => {
    const r = parseConfigText(`${LINKS}\n  - name: lte\n    interface: wwan0\n    table: 101\n`);
    expect(r.ok && r.config.links.map((l) => l.table)).toEqual([102, 103, 101]);
  });

  it("normalizes probe targets of every method", () => {
    const r = parseConfigText(`
links:
  - name: dsl
    interface: wan1
    probe:
      targets:
        - 203.0.113.1
        - { host: 203.0.113.2, method: tcp, port: 443, name: web }
        - { method: https, url: "https://example.net/health" }
        - { host: 203.0.113.3, method: dns }
`);
    if (!r.ok) throw new Error(r.problems.join("\n"));
    expect(r.config.links[0]?.probe.targets).toEqual([
      { name: "203.0.113.1", host: "203.0.113.1", method: "icmp" },
      { name: "web", host: "203.0.113.2", method: "tcp", port: 443 },
      { name: "example.net", host: "example.net", method: "https", url: "https://example.net/health" },
      { name: "203.0.113.3", host: "203.0.113.3", method: "dns", query: "example.com" },
    ]);
  });

  // Each broken config → exactly the pointed message a person needs.
  it.each([
    [
      "bad duration",
      `${LINKS}    probe: { interval: fast }`,
      'links[1].probe.interval: "fast" is not a duration (try 500ms, 2s or 5m)',
    ],
    [
      "duplicate names",
      LINKS.replace("cable", "dsl"),
      'links[1].name: link name "dsl" is already used by links[0]',
    ],
    [
      "duplicate interfaces",
      LINKS.replace("wan2", "wan1"),
      'links[1].interface: interface "wan1" is already used by links[0]',
    ],
    [
      "duplicate tables",
      `${LINKS}    table: 7\n`.replace("wan1\n", "wan1\n    table: 7\n"),
      "links[1].table: table 7 is already used by links[0]",
    ],
    [
      "more socket probes in flight than a link has local ports",
      `${LINKS}    probe:\n      interval: 100ms\n      timeout: 500ms\n      targets:\n${[1, 2, 3]
        .map((n) => `        - { host: 203.0.113.${n}, method: tcp, port: 443 }\n`)
        .join("")}`,
      "links[1].probe.targets: up to 18 tcp/http/dns probes in flight at once (each target starts one every interval until its timeout); a link has 16 local ports for them: use fewer such targets or a longer interval",
    ],
    [
      "unknown link in a rule",
      `${LINKS}rules:\n  - { name: r, via: [dsl, fibre] }`,
      'rules[0].via[1]: unknown link "fibre" (links: dsl, cable)',
    ],
    [
      "bad prefix",
      `${LINKS}rules:\n  - { name: r, dst: 10.1.2.3/8, via: [dsl] }`,
      'rules[0].dst: "10.1.2.3/8" is not an IPv4 or IPv6 prefix (like 198.51.100.0/24 or 2001:db8:100::/64, host bits zero)',
    ],
    [
      "interface name too long",
      LINKS.replace("wan2", "wan-interface-17"),
      `links[1].interface: "wan-interface-17" is longer than the kernel's 15-character limit for interface names`,
    ],
    [
      "interface injection",
      LINKS.replace("wan2", '"wan2; reboot"'),
      'links[1].interface: "wan2; reboot" is not a valid interface name (letters, digits, _ . - ; not starting with - or .)',
    ],
    [
      "wrong type",
      LINKS.replace("interface: wan2", "interface: wan2\n    weight: heavy"),
      'links[1].weight: expected a number, got the text "heavy"',
    ],
    ["unknown key", `${LINKS}balance: { hsah: l3 }`, 'balance: unknown key "hsah"'],
    [
      "mark mask with a gap",
      `${LINKS}balance: { mark_mask: "0x5000000" }`,
      "balance.mark_mask: must be one run of set bits (like 0x7f000000)",
    ],
    [
      "mark mask too small",
      `${LINKS}balance: { mark_mask: "0x1000000" }`,
      "balance.mark_mask: 0x1000000 tells 1 links apart (2^bits − 1) but 2 are configured; use a mask with more bits",
    ],
    [
      "bad enum",
      `${LINKS}balance: { hash: l7 }`,
      'balance.hash: the text "l7" is not one of "l4", "l3", "host"',
    ],
    [
      "weight out of range",
      LINKS.replace("interface: wan2", "interface: wan2\n    weight: 300"),
      "links[1].weight: number 300 is above the maximum 256",
    ],
    [
      "standby faster than the full rate",
      `${LINKS}    probe: { interval: 2s, standby_interval: 1s }`,
      "links[1].probe.standby_interval: 1000ms is shorter than interval (2000ms): standby probes less often, never more",
    ],
    [
      "tier gap",
      LINKS.replace("interface: wan2", "interface: wan2\n    tier: 3"),
      "links: tier 2 has no links (tiers in use: 1, 3); number tiers 1, 2, 3… without gaps",
    ],
    [
      "bad gateway address",
      LINKS.replace("interface: wan2", "interface: wan2\n    gateway: 198.51.100.300"),
      'links[1].gateway: "198.51.100.300" is not an IPv4 address',
    ],
    [
      "reliability over targets",
      `${LINKS}    probe: { targets: [203.0.113.1], reliability: 2 }`,
      "links[1].probe.reliability: 2 targets must answer but only 1 are configured",
    ],
    [
      "name starting with a dash",
      LINKS.replace("name: cable", 'name: "-all"'),
      'links[1].name: "-all" is not a link name (a-z, 0-9, _ and -, starting with a letter or digit, up to 32 characters)',
    ],
    ["no links", "gateway: gw\n", "links: is required (a list)"],
    [
      "public listener without credentials",
      `${LINKS}bus: { listen: "0.0.0.0:1883" }`,
      "bus.listen: listening on 0.0.0.0 (not loopback) needs credentials for remote clients: set bus.username and bus.password_file",
    ],
    [
      "reader named like one of wanpilot's parts",
      `${LINKS}bus: { username: router, password_file: /etc/wanpilot/bus.pass }`,
      `bus.username: "router" is the bus login of one of wanpilot's own parts; the reader needs another name`,
    ],
    [
      "reader named operator",
      `${LINKS}bus: { username: operator, password_file: /etc/wanpilot/bus.pass }`,
      `bus.username: "operator" is the operator's login; the reader needs another name`,
    ],
    [
      "Home Assistant named operator",
      `${LINKS}homeassistant: { username: operator, password_file: /etc/wanpilot/ha.pass }`,
      `homeassistant.username: "operator" is the name of a wanpilot part; choose another`,
    ],
    [
      "a fixed operator password on an external broker",
      `${LINKS}bus: { url: "mqtt://127.0.0.1:1883", allow_no_credentials: true, operator_password_file: /etc/wanpilot/op.pass }`,
      "bus.operator_password_file: is for the embedded broker; with url the operator's password is credentials_dir/operator.pass",
    ],
    [
      "bad percentage",
      `${LINKS}    probe: { degraded: { loss: 120% } }`,
      'links[1].probe.degraded.loss: "120%" is not a percentage (try 20% or 0.2)',
    ],
    [
      "not YAML",
      "links: [",
      "test.yaml:1:9: Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 9:",
    ],
  ])("%s", (_name, yaml, expected) => {
    expect(problems(yaml)).toEqual([expected]);
  });

  const manyLinks = (n: number, mask: string) =>
    `links:\n${Array.from({ length: n }, (_, i) => `  - { name: l${i}, interface: wan${i} }`).join("\n")}\nbalance: { mark_mask: "${mask}" }\n`;

  it("refuses more links than the router's rule priority ranges hold, whatever the mark mask", () => {
    expect(MAX_LINKS).toBe(100);
    expect(problems(manyLinks(MAX_LINKS, "0xff000000"))).toEqual([]);
    expect(problems(manyLinks(MAX_LINKS + 1, "0xff000000"))).toEqual([
      "links: 101 links configured; wanpilot handles at most 100",
    ]);
  });

  it("refuses more links than balance.mark_mask tells apart", () => {
    expect(problems(manyLinks(7, "0x70"))).toEqual([]);
    expect(problems(manyLinks(8, "0x70"))).toEqual([
      "balance.mark_mask: 0x70 tells 7 links apart (2^bits − 1) but 8 are configured; use a mask with more bits",
    ]);
  });

  it("docs/config.md documents every key of the schema", () => {
    const doc = read("docs/config.md");
    const keys = new Set<string>();
    const walk = (node: unknown): void => {
      if (node === null || typeof node !== "object") return;
      const props = (node as { properties?: Record<string, unknown> }).properties;
      for (const [key, child] of Object.entries(props ?? {})) {
        keys.add(key);
        walk(child);
      }
      for (const value of Object.values(node)) if (typeof value === "object") walk(value);
    };
    walk(configJsonSchema());
    const missing = [...keys].filter(
      (k) =>
        !doc.includes(`\`${k}\``) &&
        !doc.includes(`.${k}\``) &&
        !doc.includes(`{${k},`) &&
        !doc.includes(` ${k},`) &&
        !doc.includes(` ${k}}`),
    );
    expect(missing).toEqual([]);
  });

  it("the committed JSON Schema matches the zod schema (npm run schema regenerates it)", () => {
    expect(JSON.parse(read("schema/wanpilot.schema.json"))).toEqual(configJsonSchema());
  });
});
