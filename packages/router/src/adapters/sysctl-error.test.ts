import { isWanpilotError, WanpilotError } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { sysctlError } from "./kernel.js";

const failed = (stderr: string) =>
  new WanpilotError("COMMAND_FAILED", "sysctl exited 1", {
    details: { argv: ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], exitCode: 1, stderr },
  });

describe("sysctls a container cannot set", () => {
  it.each([
    // procps 4.0 (Debian 12) under a read-only /proc/sys, as printed here.
    'sysctl: permission denied on key "net.ipv4.ip_forward"\nsysctl: permission denied on key "net.ipv4.fib_multipath_hash_policy"\n',
    // procps 3.3.
    'sysctl: setting key "net.ipv4.ip_forward": Read-only file system\nsysctl: setting key "net.ipv4.fib_multipath_hash_policy": Read-only file system\n',
  ])("names each key and where to set it: %s", (stderr) => {
    const err = sysctlError(failed(stderr));
    expect(isWanpilotError(err, "COMMAND_FAILED")).toBe(true);
    expect((err as Error).message).toBe(
      "cannot set net.ipv4.ip_forward, net.ipv4.fib_multipath_hash_policy: read-only here (a container without " +
        "write access to /proc/sys?); set them on the host (docs/install.md, Containers) and they stay as they are",
    );
  });

  it("leaves other failures as they were", () => {
    const other = failed(
      "sysctl: cannot stat /proc/sys/net/ipv4/conf/wan9/rp_filter: No such file or directory\n",
    );
    expect(sysctlError(other)).toBe(other);
  });
});
