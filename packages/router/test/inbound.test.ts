import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, labConfig, newLab, setStates } from "./harness.js";

const PORT = 8080;
// A port forward to a LAN "camera" (the user's own firewall table, beside wanpilot's).
const forward = (host: string) => `table ip wp_test_fwd {}
delete table ip wp_test_fwd
table ip wp_test_fwd {
  chain pre { type nat hook prerouting priority dstnat; policy accept;
    iifname "wan*" tcp dport ${PORT} dnat to ${host}:${PORT}
  }
}
`;
const SERVER = `require("net").createServer((s) => s.end("hello " + s.remoteAddress + "\\n")).listen(${PORT}, "0.0.0.0")`;
const CLIENT = (host: string) => `const s = require("net").connect(${PORT}, "${host}");
let out = ""; s.on("data", (d) => (out += d)); s.on("end", () => { process.stdout.write(out); process.exit(0); });
s.on("error", (e) => { process.stdout.write("error " + e.code); process.exit(0); });
setTimeout(() => { process.stdout.write("timeout"); process.exit(0); }, 3000);`;

describe("inbound symmetry (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtin" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("a connection arriving on either WAN is answered over that WAN, even off the default route", async () => {
    // isp2 is tier 2: the default route leaves by isp1 only, so replies via isp2 need the connection mark.
    const c = controller(lab, labConfig(lab, [{}, { tier: 2 }]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    await lab.exec(lab.ns.gw, ["nft", "-f", "-"], { input: forward(lab.lan.hostAddress) });
    const server = lab.spawn(lab.ns.lan, [process.execPath, "-e", SERVER]);
    try {
      const ask = (isp: number) =>
        lab.exec(lab.ns.inet, [process.execPath, "-e", CLIENT(lab.isps[isp]?.publicAddress ?? "")], {
          timeoutMs: 10_000,
        });
      let first = "";
      for (let i = 0; i < 50 && !first.startsWith("hello"); i++) first = await ask(0); // server start-up
      expect(first).toMatch(/^hello /);
      expect(await ask(1)).toMatch(/^hello /);
      expect(await ask(0)).toMatch(/^hello /);
    } finally {
      await server.stop();
    }
  });
});
