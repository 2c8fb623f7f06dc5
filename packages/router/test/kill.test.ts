import type { Lab, LabProcess } from "@wanpilot/lab";
import { eventually } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ipRules, linkState, newLab } from "./harness.js";

const SCRIPT = new URL("./fixtures/router-process.mjs", import.meta.url).pathname;

interface Line {
  event: string;
  commands: number;
  errors?: number;
}

describe("kill -9 and restart (real kernel, router as its own process)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtkill" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  function start(): { proc: LabProcess; lines: Line[] } {
    const config = { links: lab.isps.map((i) => ({ name: i.name, interface: i.wanInterface })) };
    const states = lab.isps.map((_, i) => linkState(lab, i, "up"));
    const lines: Line[] = [];
    const proc = lab.spawn(
      lab.ns.gw,
      [process.execPath, SCRIPT, JSON.stringify(config), JSON.stringify(states)],
      {
        onLine: (line, stream) => {
          if (stream === "stdout" && line.startsWith("{")) lines.push(JSON.parse(line) as Line);
        },
      },
    );
    return { proc, lines };
  }

  async function kill9(proc: LabProcess): Promise<void> {
    if (proc.pid !== undefined) process.kill(proc.pid, "SIGKILL");
    await proc.exited;
  }

  it("killed while applying, then mid-traffic: a restart repairs or changes nothing, no duplicates, streams live", async () => {
    const first = start();
    await new Promise((r) => setTimeout(r, 150)); // somewhere in its first apply (or just after)
    await kill9(first.proc);

    const second = start();
    expect(await eventually(() => second.lines.some((l) => l.event === "resync"), 20_000)).toBe(true);
    expect(
      second.lines.filter((l) => l.event === "resync").every((l) => l.commands === 0 && l.errors === 0),
    ).toBe(true);
    const streams = await lab.startStreams({ count: 8, durationMs: 30_000 });
    try {
      await kill9(second.proc); // mid-traffic
      const third = start();
      expect(await eventually(() => third.lines.some((l) => l.event === "ready"), 20_000)).toBe(true);
      expect(third.lines[0]).toEqual({ event: "ready", commands: 0 });
      for (const s of streams.streams) expect(await s.waitForProgress(3000, 64)).toBe(true);
      await kill9(third.proc);
    } finally {
      await streams.stop();
    }
    const ours = (await ipRules(lab)).filter((l) => /^10\d{3}:/.test(l));
    expect(ours).toHaveLength(8);
    expect(new Set(ours).size).toBe(8);
  });
});
