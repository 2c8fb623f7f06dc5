import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePayload, topics } from "@wanpilot/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Deployed, until } from "./lib/harness.js";
import { routingProblems } from "./lib/kernel-check.js";
import { validSample } from "./lib/payload-gen.js";
import { note } from "./lib/profile.js";
import { type CommandShim, createShim } from "./lib/shim.js";

// The config is not the only way in: a prober's LinkState carries the link's interface, source address
// and gateway (learned from DHCP/PPP), and the router builds `ip` commands from them. The bus contract
// types them as plain strings. A client with a prober's credentials publishes states whose fields try
// to inject arguments; ip/nft/conntrack/sysctl run through logging shims, and not one of those strings
// may reach a command line or an `ip -batch` / `nft -f` script.
const MARK = "zq";
const HOSTILE_FIELDS: Array<Record<string, string>> = [
  { gateway: `198.18.1.1 dev lo ${MARK}` },
  { gateway: `-${MARK}` },
  { gateway: `198.18.1.1\nroute flush table main ${MARK}` },
  { source: `198.18.1.2 ${MARK}` },
  { source: `$(${MARK})` },
  { source: `198.18.1.2; ${MARK}` },
  { interface: `wan1 ${MARK}` },
  { interface: `-${MARK}` },
  { gateway: `203.0.113.1 table 254 ${MARK}` },
  { source: `0.0.0.0/0 ${MARK}` },
];

let d: Deployed;
let shim: CommandShim;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wanpilot-faults-businj-"));
  shim = await createShim(dir);
  d = await Deployed.create({ isps: 2, name: "fbinj", mode: "start", env: { PATH: shim.path } });
  await d.allBack(0);
});

afterAll(async () => {
  await d?.destroy();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("hostile link states from a prober's credentials", () => {
  it("the router's commands run through the shims (so the check below means something)", async () => {
    await until("a logged ip command", () => shim.read().includes("ip <"), 15_000);
    expect(shim.read()).not.toContain(MARK);
  });

  // Found by this suite: LinkState's `interface`, `source` and `gateway` were plain strings, and the router
  // wrote them into its `ip -batch` script ("198.18.1.1\nroute flush table main" ran `route flush table
  // main`). The contract now types them (InterfaceName, Ipv4Address), so receivers drop such states.
  it("no field of a link state reaches a command line", async () => {
    const live = new Set(d.lab.isps.map((i) => i.name));
    await until(
      "routing right",
      async () => (await routingProblems(d.lab, d.config, live)).length === 0,
      15_000,
    );
    const prober = await d.client({ kind: "prober", link: "isp1" }, "faults-businj");
    let n = 0;
    for (const fields of HOSTILE_FIELDS)
      for (const state of ["down", "up"]) {
        const payload = { ...(validSample("linkState", "isp1", "x") as object), ...fields, state };
        expect(decodePayload("linkState", JSON.stringify(payload)).ok, JSON.stringify(fields)).toBe(false);
        prober.publish(topics.linkState(d.gateway, "isp1"), JSON.stringify(payload));
        n++;
        await new Promise((r) => setTimeout(r, 150));
      }
    await prober.settled();
    await new Promise((r) => setTimeout(r, 1500));
    const log = shim.read();
    const hits = log.split("\n").filter((l) => l.includes(MARK));
    note("bus-injection", `${n} hostile states published; ${hits.length} logged command lines carry them`);
    for (const h of hits.slice(0, 8)) note("bus-injection", `  ${h}`);
    expect(hits).toEqual([]);
  });
});
