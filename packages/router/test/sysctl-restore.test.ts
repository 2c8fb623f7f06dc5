import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rememberSysctls, sysctlMemoryPath } from "../src/adapters/sysctl-memory.js";
import { cleanup } from "../src/main.js";
import { controller, labConfig, newLab, setStates, silent } from "./harness.js";

const KEYS = ["net.ipv4.fib_multipath_hash_policy", "net.ipv4.conf.wan1.rp_filter", "net.ipv4.ip_forward"];

describe("cleanup puts the sysctls back as they were before the router (real kernel)", () => {
  let lab: Lab;
  let dir = "";
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtsysctl" });
    dir = mkdtempSync(join(tmpdir(), "wanpilot-sysctl-"));
  });
  afterAll(async () => {
    await lab?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = async () =>
    Object.fromEntries(
      await Promise.all(KEYS.map(async (k) => [k, (await lab.gwExec(["sysctl", "-n", k])).trim()] as const)),
    );

  it("the router remembers the earlier values when it first changes them; cleanup restores them", async () => {
    await lab.gwExec([
      "sysctl",
      "-q",
      "-w",
      "net.ipv4.fib_multipath_hash_policy=0",
      "net.ipv4.conf.wan1.rp_filter=1",
    ]);
    const before = await read();
    const config = labConfig(lab, [{ weight: 1 }, { weight: 1 }], { runtime_dir: dir });
    const path = sysctlMemoryPath(dir);
    const router = controller(lab, config, { rememberSysctls: (b) => rememberSysctls(path, b) });
    await router.reconcile("start", true);
    await setStates(lab, router, ["up", "up"]);
    const during = await read();
    expect(during["net.ipv4.fib_multipath_hash_policy"]).toBe("1");
    expect(during["net.ipv4.conf.wan1.rp_filter"]).toBe("2");

    const r = await cleanup({ config, log: silent, netns: lab.ns.gw });
    expect(r.errors).toEqual([]);
    expect(await read()).toEqual(before);
    // Forgotten once restored: a second cleanup changes no sysctl.
    await lab.gwExec(["sysctl", "-q", "-w", "net.ipv4.fib_multipath_hash_policy=1"]);
    await cleanup({ config, log: silent, netns: lab.ns.gw });
    expect((await read())["net.ipv4.fib_multipath_hash_policy"]).toBe("1");
  });
});
