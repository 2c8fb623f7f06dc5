import { describe, expect, it } from "vitest";
import { installPlan, programFiles, uninstallPlan, unitText } from "./plan.js";

const input = (root: string) => ({
  root,
  source: "/src/wanpilot",
  files: ["package.json", "node_modules/aedes"],
  units: { "wanpilot.service": "ExecStart=/usr/bin/node /usr/bin/wanpilot start\n" },
  nodePath: "/usr/bin/node",
  configSkeleton: "gateway: g\n",
});
const kinds = (steps: Array<{ kind: string }>) => [...new Set(steps.map((s) => s.kind))].sort();

describe("install plan", () => {
  it("into a scratch root: files, link, user, units, config; no systemctl, no kernel", () => {
    const steps = installPlan(input("/tmp/x"));
    expect(kinds(steps)).toEqual(["copy", "remove", "symlink", "sysusers", "write"]);
    expect(steps).toContainEqual({
      kind: "symlink",
      path: "/tmp/x/usr/bin/wanpilot",
      target: "/usr/lib/wanpilot/packages/cli/bin/wanpilot.js",
    });
    expect(steps).toContainEqual({
      kind: "copy",
      from: "/src/wanpilot/node_modules/aedes",
      to: "/tmp/x/usr/lib/wanpilot/node_modules/aedes",
    });
    const config = steps.find((s) => s.kind === "write" && s.path === "/tmp/x/etc/wanpilot/wanpilot.yaml");
    expect(config).toMatchObject({ keepExisting: true, mode: 0o640, owner: "wanpilot" });
  });

  it("into / it also reloads systemd", () => {
    expect(installPlan(input("/")).at(-1)).toEqual({ kind: "systemctl", args: ["daemon-reload"] });
  });

  it("units run the node that runs the installer", () => {
    expect(unitText("ExecStart=/usr/bin/node --no-opt /usr/bin/wanpilot x\n", "/usr/local/bin/node")).toBe(
      "ExecStart=/usr/local/bin/node --no-opt /usr/bin/wanpilot x\n",
    );
  });
});

describe("uninstall plan", () => {
  const units = ["wanpilot.service", "wanpilot-prober@.service"];
  it("from / stops the units, removes the routing, then the files", () => {
    const steps = uninstallPlan({ root: "/", unitNames: units, purge: false });
    expect(steps.slice(0, 3)).toEqual([
      { kind: "systemctl", args: ["stop", "wanpilot.service", "wanpilot-prober@*.service"] },
      { kind: "systemctl", args: ["disable", "wanpilot.service"] },
      { kind: "cleanup" },
    ]);
    expect(steps).toContainEqual({ kind: "remove", path: "/usr/lib/wanpilot" });
    expect(steps).not.toContainEqual({ kind: "remove", path: "/etc/wanpilot" });
  });

  it("from a scratch root never touches systemd or the kernel; --purge takes config and history", () => {
    const steps = uninstallPlan({ root: "/tmp/x", unitNames: units, purge: true });
    expect(kinds(steps)).toEqual(["remove", "unlink-wants"]);
    expect(steps).toContainEqual({ kind: "remove", path: "/tmp/x/etc/wanpilot" });
    expect(steps).toContainEqual({ kind: "remove", path: "/tmp/x/var/lib/wanpilot" });
  });
});

describe("program files", () => {
  it("runtime packages only: no dev dependencies, no bench, no sources", () => {
    const lock = {
      packages: {
        "": {},
        "node_modules/aedes": {},
        "node_modules/@biomejs/biome": { dev: true },
        "node_modules/aedes/node_modules/x": {},
        "node_modules/@wanpilot/common": { link: true, resolved: "packages/common" },
        "node_modules/@wanpilot/bench": { link: true, resolved: "bench" },
      },
    };
    const files = programFiles(lock, (p) => !p.endsWith("/bin") || p === "packages/cli/bin");
    expect(files).toContain("node_modules/aedes");
    expect(files).toContain("node_modules/@wanpilot/common");
    expect(files).toContain("packages/cli/bin");
    expect(files).toContain("packages/router/dist");
    expect(files.join(" ")).not.toMatch(/biome|bench|src|packages\/router\/bin|aedes\/node_modules/);
  });
});
