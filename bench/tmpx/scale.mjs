import { createLab } from "@wanpilot/lab";
import { LabDeployment } from "wanpilot/labrun";
import { FAST_PROBE_PROFILE } from "@wanpilot/common";
import { scaleRules } from "../dist/scenarios/scale.js";
import { BusTap } from "../dist/observe/bus.js";
const n = Number(process.argv[2] ?? 16);
const lab = await createLab({ isps: n, gwMasquerade: false, name: "scx" });
let dep, tap;
try {
  const t0 = Date.now();
  dep = LabDeployment.start(lab, { gateway: "bench", logLevel: process.env.LL ?? "warn", rules: scaleRules(n, 200), probe: { ...FAST_PROBE_PROFILE, damping: { factor: 1 } }, onLine: (l) => console.log(`  [${Date.now() - t0}] ${l.slice(0, 300)}`) });
  tap = new BusTap(lab, `mqtt://${dep.config.bus.listen}`, "bench", { commands: false });
  const links = lab.isps.map((i) => i.name);
  for (let k = 0; k < 120; k++) {
    await new Promise((r) => setTimeout(r, 500));
    if (tap.healthy(links)) { console.log("ALL UP after", Date.now() - t0, "ms"); break; }
    if (k % 10 === 9) { const st = tap.links(); const r = tap.router(); console.log(`[${Date.now() - t0}] states`, JSON.stringify([...st].map(([l, s]) => `${l}:${s.state}`)), "router", JSON.stringify(r?.links?.map((x) => `${x.link}:${x.active}`)), "sup", JSON.stringify(tap.supervisor()?.processes?.map((p) => `${p.name}:${p.running}:${p.restarts}`))); }
  }
} finally {
  await tap?.stop().catch(() => {});
  await dep?.stop().catch(() => {});
  await lab.destroy();
}
