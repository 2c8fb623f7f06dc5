import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, labConfig, newLab, setStates } from "./harness.js";

/** Another program's table (Tailscale's bit 0x40000 of 0xff0000) marking every LAN packet before wanpilot's chains. */
const neighbour = (lan: string) => `table inet neighbour {
  chain pre {
    type filter hook prerouting priority -160; policy accept;
    iifname "${lan}" meta mark set meta mark | 0x40000
  }
  chain forwarded {
    type filter hook forward priority 0; policy accept;
    iifname "${lan}" counter comment "all"
    iifname "${lan}" meta mark & 0x40000 == 0x40000 counter comment "kept"
  }
}
`;

describe("marks of other software (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtmarks" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("a packet pre-marked by another nft table keeps its bits through wanpilot's restore", async () => {
    await lab.exec(lab.ns.gw, ["nft", "-f", "-"], { input: neighbour(lab.lan.interface) });
    const c = controller(lab, labConfig(lab, [{}, {}]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    const flows = await lab.openFlows({ count: 20 });
    expect(flows.failed).toBe(0);
    const listing = await lab.exec(lab.ns.gw, ["nft", "list", "table", "inet", "neighbour"]);
    const packets = (tag: string) =>
      Number(new RegExp(`counter packets (\\d+) .*comment "${tag}"`).exec(listing)?.[1]);
    // Every flow has packets after its first: those pass wanpilot's restore of the connection mark.
    expect(packets("all")).toBeGreaterThan(40);
    expect(packets("kept")).toBe(packets("all"));
  });
});
