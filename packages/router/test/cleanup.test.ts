import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isWanpilotError } from "@wanpilot/common";
import type { Lab } from "@wanpilot/lab";
import { silentLog } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pidPath, rememberSysctls, sysctlsPath, writePid } from "../src/adapters/runtime-files.js";
import { cleanup } from "../src/cleanup.js";
import { Controller } from "../src/controller.js";
import { gwKernel, labConfig, newLab, setStates } from "./harness.js";

describe("cleanup restores sysctls and knows a running router (real kernel)", () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtclean" });
    dir = mkdtempSync(join(tmpdir(), "wanpilot-clean-"));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await lab?.destroy();
  });

  it("puts back the sysctl values it found; refuses while the router's pid lives", async () => {
    const keys = ["net.ipv4.conf.wan1.rp_filter", "net.ipv4.conf.wan2.ignore_routes_with_linkdown"];
    const read = async () => (await lab.exec(lab.ns.gw, ["sysctl", "-n", ...keys])).trim().split("\n");
    await lab.exec(lab.ns.gw, ["sysctl", "-q", "-w", `${keys[0]}=1`, `${keys[1]}=0`]);
    const config = { ...labConfig(lab, [{}, {}]), runtime_dir: dir };
    const c = new Controller({
      config,
      log: silentLog,
      kernel: gwKernel(lab),
      rememberSysctls: (o) => rememberSysctls(sysctlsPath(config), o),
      now: () => new Date(),
      newId: () => "clean-0001",
    });
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    expect(await read()).toEqual(["2", "1"]);

    const router = spawn("sleep", ["30"]);
    try {
      writePid(pidPath(config), router.pid ?? 0);
      const refused = cleanup({ config, log: silentLog, netns: lab.ns.gw });
      await expect(refused).rejects.toSatisfy((e: unknown) => isWanpilotError(e, "ROUTER_RUNNING"));
    } finally {
      router.kill();
    }
    await new Promise((r) => router.once("exit", r));
    const done = await cleanup({ config, log: silentLog, netns: lab.ns.gw });
    expect(done.errors).toEqual([]);
    expect(await read()).toEqual(["1", "0"]);
  });
});
