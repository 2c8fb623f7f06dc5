import { describe, expect, it } from "vitest";
import { parsePingOutput, pingArgv } from "./ping.js";

const result = (stdout: string, stderr = "", exitCode = 0) => ({ argv: ["ping"], stdout, stderr, exitCode });

describe("parsePingOutput", () => {
  it.each([
    {
      stdout: "200 packets transmitted, 147 received, 26.5% packet loss, time 3191ms\n",
      expected: { transmitted: 200, received: 147, lossRatio: 53 / 200 },
    },
    {
      stdout: "5 packets transmitted, 0 received, +5 errors, 100% packet loss, time 4004ms\n",
      expected: { transmitted: 5, received: 0, lossRatio: 1 },
    },
    {
      stdout: "3 packets transmitted, 3 received, 0% packet loss, time 20ms\n",
      expected: { transmitted: 3, received: 3, lossRatio: 0 },
    },
  ])("reads $stdout", ({ stdout, expected }) => {
    expect(parsePingOutput(result(stdout))).toEqual(expected);
  });

  it("counts a ping that could not send as total loss, with the reason", () => {
    expect(parsePingOutput(result("", "ping: connect: Network is unreachable\n", 2))).toEqual({
      transmitted: 0,
      received: 0,
      lossRatio: 1,
      error: "ping: connect: Network is unreachable",
    });
  });
});

describe("pingArgv", () => {
  it("builds a bounded ping without a deadline", () => {
    const { argv, timeoutMs } = pingArgv("203.0.113.1", { count: 200, source: "198.18.1.2" });
    expect(argv).toEqual([
      "ping",
      "-n",
      "-q",
      "-c",
      "200",
      "-i",
      "0.005",
      "-W",
      "1",
      "-I",
      "198.18.1.2",
      "203.0.113.1",
    ]);
    expect(argv).not.toContain("-w");
    expect(timeoutMs).toBeGreaterThan(200 * 5 + 1000);
  });

  it.each([0, 1.5, 10_001])("refuses count %d", (count) => {
    expect(() => pingArgv("203.0.113.1", { count })).toThrow(/count/);
  });
});
