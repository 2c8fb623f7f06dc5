import { silentLog, until } from "@wanpilot/testing";
import { afterEach, describe, expect, it } from "vitest";
import { Supervised } from "./supervised.js";

// Real child processes (node itself), no network: the back-off and what cuts it short.
let current: Supervised | undefined;
afterEach(async () => {
  await current?.stop();
});

function supervise(script: string, minBackoffMs: number): { s: Supervised; starts: number[] } {
  const starts: number[] = [];
  const s = new Supervised({
    prefix: [],
    argv: () => [process.execPath, "-e", script],
    onLine: () => undefined,
    onStart: () => starts.push(Date.now()),
    log: silentLog,
    minBackoffMs,
  });
  current = s;
  return { s, starts };
}

describe("a supervised command", () => {
  it("that keeps failing waits out its back-off; retryNow starts it at once", async () => {
    const { s, starts } = supervise("process.exit(2)", 60_000);
    s.start();
    // After its exit it would wait a minute (the back-off); retryNow while it runs changes nothing, after
    // its exit it starts it again at once.
    await until(
      "a second start well within the back-off",
      () => {
        s.retryNow();
        return starts.length >= 2;
      },
      20_000,
      20,
    );
    expect(starts).toHaveLength(2);
  });

  it("that runs is left alone by retryNow", async () => {
    const lines: string[] = [];
    const s = new Supervised({
      prefix: [],
      argv: () => [process.execPath, "-e", "console.log(process.pid); setTimeout(() => {}, 30000)"],
      onLine: (l) => lines.push(l),
      log: silentLog,
    });
    current = s;
    s.start();
    await until("its first line", () => lines.length === 1, 20_000);
    s.retryNow();
    await new Promise((r) => setTimeout(r, 1000));
    expect(lines).toHaveLength(1);
  });
});
