import { isWanpilotError } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { createRunner } from "./command.js";

const node = (code: string) => [process.execPath, "-e", code];

describe("createRunner", () => {
  it("a failure carries argv, exit code and stderr", async () => {
    const argv = node("process.stderr.write('oops'); process.exit(3)");
    const err: unknown = await createRunner()(argv).catch((e: unknown) => e);
    expect(isWanpilotError(err, "COMMAND_FAILED")).toBe(true);
    expect(isWanpilotError(err) && err.details).toEqual({ argv, exitCode: 3, stderr: "oops" });
  });

  it("accepted exit codes are answers; the prefix goes first; input reaches stdin", async () => {
    const run = createRunner([
      process.execPath,
      "-e",
      "process.stdin.pipe(process.stdout); process.stdin.on('end', () => process.exit(1))",
    ]);
    expect(await run(["--"], { input: "hello", okExitCodes: [1] })).toEqual({
      stdout: "hello",
      stderr: "",
      exitCode: 1,
    });
  });

  it("a command over its timeout is killed and reported", async () => {
    const err: unknown = await createRunner()(node("setTimeout(() => {}, 10000)"), { timeoutMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect(isWanpilotError(err, "COMMAND_TIMEOUT")).toBe(true);
  });
});
