import { mkdtempSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { topics } from "@wanpilot/common";
import type { Lab } from "@wanpilot/lab";
import { connectBus, ensureBusSecret } from "@wanpilot/runtime";
import { eventually, silentLog, startTestBroker, testConfig } from "@wanpilot/testing";
import mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import { run } from "../src/main.js";
import { controller, labConfig, linkState, newLab, setStates, share } from "./harness.js";

// The numbers of docs/router.md. Opt-in (WANPILOT_MEASURE=1): they take a minute and print results.
const report = (what: string, value: unknown) =>
  process.stdout.write(`MEASURE ${what} ${JSON.stringify(value)}\n`);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
const round = (x: number) => Math.round(x * 100) / 100;

async function withLab(isps: number, name: string, fn: (lab: Lab) => Promise<void>) {
  const lab = await newLab({ isps, name });
  try {
    await fn(lab);
  } finally {
    await lab.destroy();
  }
}

describe.runIf(process.env.WANPILOT_MEASURE === "1")("router measurements", () => {
  it("link-state message on the bus → kernel route changed", async () => {
    await withLab(2, "mlat", async (lab) => {
      const dir = mkdtempSync(join(tmpdir(), "wanpilot-measure-"));
      ensureBusSecret(dir);
      const broker = await startTestBroker({ noDelay: true });
      const { port } = broker;
      const config = testConfig({
        gateway: "m",
        runtime_dir: dir,
        bus: { listen: `127.0.0.1:${port}` },
        links: lab.isps.map((i) => ({ name: i.name, interface: i.wanInterface })),
      });
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
      (client.stream as unknown as Socket).setNoDelay(true);
      let changedAt = 0;
      const monitor = lab.spawn(lab.ns.gw, ["ip", "monitor", "route"]);
      monitor.onLine((line) => {
        if (line.includes("table 100")) changedAt = performance.now();
      });
      const bus = await connectBus({ config, component: { kind: "router" }, log: silentLog });
      const router = await run({ config, log: silentLog, bus, netns: lab.ns.gw });
      const send = (i: number, s: "up" | "down") =>
        client.publishAsync(
          topics.linkState("m", lab.isps[i]?.name ?? ""),
          JSON.stringify(linkState(lab, i, s)),
          { qos: 1, retain: true },
        );
      try {
        await send(1, "up");
        await send(0, "up");
        await eventually(() => changedAt > 0, 5000);
        const samples: number[] = [];
        for (let k = 0; k < 100; k++) {
          changedAt = 0;
          const t0 = performance.now();
          await send(0, k % 2 === 0 ? "down" : "up");
          expect(await eventually(() => changedAt > 0, 5000, 1)).toBe(true);
          samples.push(changedAt - t0);
          await new Promise((r) => setTimeout(r, 60)); // let the flush finish before the next toggle
        }
        // The same without the broker: the controller called directly (the bus router stopped first).
        await router.stop();
        const direct: number[] = [];
        const c = controller(lab, config);
        await c.reconcile("start", true);
        await setStates(lab, c, ["up", "up"]);
        for (let k = 0; k < 50; k++) {
          changedAt = 0;
          const t0 = performance.now();
          void c.onLinkState(linkState(lab, 0, k % 2 === 0 ? "down" : "up"));
          expect(await eventually(() => changedAt > 0, 5000, 1)).toBe(true);
          direct.push(changedAt - t0);
          await new Promise((r) => setTimeout(r, 60));
        }
        report("latency_direct_ms", {
          n: direct.length,
          median: round(pct(direct, 0.5)),
          p99: round(pct(direct, 0.99)),
        });
        report("latency_ms", {
          n: samples.length,
          median: round(pct(samples, 0.5)),
          p99: round(pct(samples, 0.99)),
          max: round(Math.max(...samples)),
        });
      } finally {
        await router.stop();
        await bus.close();
        await monitor.stop();
        await client.endAsync();
        await broker.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("weight shares over 5000 flows", async () => {
    await withLab(3, "mshare", async (lab) => {
      for (const weights of [
        [1, 4],
        [1, 2, 3],
      ]) {
        const c = controller(
          lab,
          labConfig(
            lab,
            weights.map((weight) => ({ weight })),
          ),
        );
        await c.reconcile("start", true);
        await setStates(
          lab,
          c,
          weights.map(() => "up"),
        );
        const r = await lab.openFlows({ count: 5000, concurrency: 64 });
        const total = weights.reduce((a, b) => a + b, 0);
        const dev = weights.map((w, i) => round(100 * (share(r.byIsp, `isp${i + 1}`) - w / total)));
        report(`shares_${weights.join("_")}`, { byIsp: r.byIsp, failed: r.failed, deviationPoints: dev });
        expect(r.failed).toBe(0);
      }
    });
  });

  it("16 links and 200 rules: full reconcile, restart, one link's change", async () => {
    await withLab(16, "m16", async (lab) => {
      const links = lab.isps.map(() => ({}));
      const rules = Array.from({ length: 200 }, (_, k) => ({
        name: `r${k}`,
        dst: `203.0.113.${k % 250}`,
        proto: "tcp",
        dport: 1000 + k,
        via: [`isp${(k % 16) + 1}`, `isp${((k + 1) % 16) + 1}`],
      }));
      const config = labConfig(lab, links, { rules });
      const c = controller(lab, config);
      let t = performance.now();
      const states = lab.isps.map((_, i) => linkState(lab, i, "up"));
      for (const s of states) void c.onLinkState(s);
      await c.reconcile("all up", true);
      const full = performance.now() - t;
      t = performance.now();
      const again = controller(lab, config);
      for (const s of states) void again.onLinkState(s);
      const restart = await again.reconcile("restart", true);
      const noop = performance.now() - t;
      const one: number[] = [];
      for (let k = 0; k < 20; k++) {
        t = performance.now();
        await again.onLinkState(linkState(lab, 3, k % 2 === 0 ? "down" : "up"));
        one.push(performance.now() - t);
      }
      report("reconcile_16_links_200_rules", {
        fullMs: round(full),
        restartNoopMs: round(noop),
        restartCommands: restart.commands.length,
        oneLinkMedianMs: round(pct(one, 0.5)),
        oneLinkMaxMs: round(Math.max(...one)),
      });
      expect(restart.commands).toEqual([]);
    });
  });

  it("streams on healthy links during failover and recovery", async () => {
    await withLab(3, "mstream", async (lab) => {
      const c = controller(lab, labConfig(lab, [{}, {}, {}]));
      await c.reconcile("start", true);
      await setStates(lab, c, ["up", "up", "up"]);
      const group = await lab.startStreams({ count: 30, durationMs: 60_000 });
      try {
        const healthy = group.streams.filter((s) => s.isp !== "isp1");
        const before = healthy.map((s) => s.bytes());
        await lab.cutUpstream(0);
        await c.onLinkState(linkState(lab, 0, "down"));
        for (const s of healthy) await s.waitForProgress(3000, 128);
        const brokenFailover = healthy.filter((s) => s.closed()).length;
        await lab.restoreUpstream(0);
        await c.onLinkState(linkState(lab, 0, "up"));
        for (const s of healthy) await s.waitForProgress(3000, 128);
        const brokenRecovery = healthy.filter((s) => s.closed()).length;
        const grew = healthy.filter((s, i) => s.bytes() > (before[i] ?? 0)).length;
        report("streams", {
          total: group.streams.length,
          onFailedLink: group.streams.length - healthy.length,
          healthy: healthy.length,
          brokenFailover,
          brokenRecovery,
          healthyBytesGrew: grew,
        });
        expect(brokenFailover + brokenRecovery).toBe(0);
      } finally {
        await group.stop();
      }
    });
  });
});
