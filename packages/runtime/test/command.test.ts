import { describe, expect, it } from "vitest";
import { runCommand } from "../src/command.js";

describe("runCommand", () => {
  it("passes argv as is (no shell), feeds stdin and returns output and exit code", async () => {
    const r = await runCommand(["sh", "-c", 'cat; echo "$1" >&2; exit 3', "sh", "$(echo not expanded)"], {
      input: "line one\n",
      timeoutMs: 10_000,
    });
    expect(r).toMatchObject({ stdout: "line one\n", stderr: "$(echo not expanded)\n", exitCode: 3 });
    expect(r.timedOut).toBe(false);
  });

  it("kills a child that outlives its timeout", async () => {
    const r = await runCommand(["sleep", "30"], { timeoutMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
  });

  it("sends discarded stdout nowhere and kills a child that prints more than its buffer", async () => {
    const discarded = await runCommand(["seq", "1", "100000"], { timeoutMs: 10_000, discardStdout: true });
    expect(discarded).toMatchObject({ stdout: "", exitCode: 0 });
    const flooded = await runCommand(["seq", "1", "1000000"], { timeoutMs: 10_000, maxBufferBytes: 1000 });
    expect(flooded.overflow).toBe(true);
    expect(flooded.exitCode).toBeNull();
  });

  it("resolves with the error when the program does not exist", async () => {
    const r = await runCommand(["/nonexistent/wanpilot-test-command"], { timeoutMs: 5000 });
    expect(r.error?.message).toMatch(/ENOENT/);
    expect(r.exitCode).not.toBe(0);
  });
});
