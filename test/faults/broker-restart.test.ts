import { type Component, LinkState, topics } from "@wanpilot/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BusWatch } from "../helpers/watch.js";
import { Deployed, isAlive, PORT, until } from "./lib/harness.js";
import { routingProblems } from "./lib/kernel-check.js";
import { note, pick, SEED } from "./lib/profile.js";
import { Rng } from "./lib/rng.js";

// The parts run as separate processes (like the systemd units) around a standalone `wanpilot broker`.
// The broker is killed (-9) and restarted: while it is away the router leaves the kernel alone
// (routing keeps working); when it is back every part reconnects, the retained state is republished
// for late subscribers, and a link that failed meanwhile is handled.
const ROUNDS = pick(2, 5);
const AWAY_MS = 3000;

let d: Deployed;
const live = new Set<string>();

const component = (name: string): Component =>
  name.startsWith("prober/") ? { kind: "prober", link: name.slice(7) } : ({ kind: name } as Component);

async function routingRight(timeoutMs: number): Promise<void> {
  let last: string[] = [];
  await until(
    "the right routing",
    async () => {
      last = await routingProblems(d.lab, d.config, live);
      return last.length === 0;
    },
    timeoutMs,
  ).catch(() => {
    throw new Error(`routing wrong: ${last.join("; ")}`);
  });
}

async function routeText(): Promise<string> {
  const [rules, routes] = await Promise.all([
    d.lab.exec(d.lab.ns.gw, ["ip", "-4", "rule", "show"]),
    d.lab.exec(d.lab.ns.gw, ["ip", "-4", "route", "show", "table", "all"]),
  ]);
  return `${rules}\n${routes}`;
}

beforeAll(async () => {
  // Probing a little slower than the other fault tests: a false "down" on a loaded machine would be a
  // route change of its own while the bus is away.
  d = await Deployed.create({
    isps: 3,
    name: "fbrk",
    mode: "parts",
    deploy: { logLevel: "info", probe: { interval: "200ms", timeout: "600ms", down: 3, up: 2 } },
  });
  for (const isp of d.lab.isps) live.add(isp.name);
  await until(
    "every part online",
    () => d.partNames().every((n) => d.availability(component(n)) === "online"),
    30_000,
  );
  await d.routerSettled(live);
  await routingRight(15_000);
});

afterAll(async () => {
  await d?.destroy();
});

describe(`broker killed and restarted (${ROUNDS} rounds, seed ${SEED})`, () => {
  it("no route changes while it is away; every part reconnects; retained state and routing come back", async () => {
    const rng = new Rng(SEED + 21);
    for (let round = 0; round < ROUNDS; round++) {
      await d.routerSettled(live);
      await routingRight(10_000);
      const before = await routeText();
      const broker = d.procs.get("broker");
      const pid = broker?.pid ?? -1;
      const killedAt = Date.now();
      process.kill(pid, "SIGKILL");
      await until("the broker gone", () => !isAlive(pid), 5000, 20);
      // Routing is sampled while the bus is away: it must not move.
      const samples: string[] = [];
      while (Date.now() - killedAt < AWAY_MS) {
        samples.push(await routeText());
        await new Promise((r) => setTimeout(r, 100));
      }
      const changed = samples.filter((s) => s !== before).length;
      const firstChange = samples.find((s) => s !== before);
      if (firstChange !== undefined) {
        const was = new Set(before.split("\n"));
        const now = new Set(firstChange.split("\n"));
        const routerLog = d.logs
          .filter((l) => l.component === "router" && l.atMs >= killedAt - 1000)
          .map((l) => `${l.atMs - killedAt} ms ${String(l.msg)} ${String(l.reason ?? "")}`);
        note("broker-restart", `router log around the kill: ${routerLog.join(" | ")}`);
        note(
          "broker-restart",
          `kernel changed while the bus was away: gone [${[...was].filter((l) => !now.has(l)).join(" | ")}] new [${[...now].filter((l) => !was.has(l)).join(" | ")}]`,
        );
      }
      // In odd rounds a link fails while the bus is away, and is seen once it is back.
      let cut = "none";
      if (round % 2 === 1) {
        const isp = rng.pick(d.lab.isps.filter((i) => live.has(i.name)));
        await d.lab.cutUpstream(isp.name);
        live.delete(isp.name);
        cut = isp.name;
      }
      const restartAt = Date.now();
      d.spawn("broker", ["broker"]);
      await until(
        "the broker listening again",
        () => d.logs.some((l) => l.atMs >= restartAt && l.msg === "broker listening"),
        15_000,
      );
      d.ensureWatch();
      // Every part reconnects (a "bus connected" after the restart) and says it is online.
      const reconnected = await until(
        "every part reconnected",
        () => {
          const names = d
            .partNames()
            .filter((n) =>
              d.logs.some((l) => l.atMs >= restartAt && l.component === n && l.msg === "bus connected"),
            );
          return names.length === d.partNames().length ? Date.now() - restartAt : undefined;
        },
        20_000,
      );
      await routingRight(10_000);
      // A late subscriber gets every link's state and the router's state (republished, retained).
      const late = new BusWatch(["ip", "netns", "exec", d.lab.ns.gw], PORT);
      try {
        await until(
          "retained state for a late subscriber",
          () =>
            d.config.links.every((l) => late.last(topics.linkState(d.gateway, l.name)) !== undefined) &&
            late.last(topics.routerState(d.gateway)) !== undefined &&
            d.partNames().every((n) => late.last(topics.availability(d.gateway, component(n))) === "online"),
          10_000,
        );
        for (const l of d.config.links) {
          const s = LinkState.parse(JSON.parse(late.last(topics.linkState(d.gateway, l.name)) ?? ""));
          expect(s.state === "up", `${l.name}: ${s.state}`).toBe(live.has(l.name));
        }
      } finally {
        await late.close();
      }
      note(
        "broker-restart",
        `round ${round}: away ${AWAY_MS} ms, ${samples.length} kernel samples, ${changed} changed; cut during outage: ${cut}; all parts reconnected ${reconnected} ms after the restart`,
      );
      expect(changed).toBe(0);
      if (cut !== "none") {
        await d.lab.restoreUpstream(cut);
        live.add(cut);
        await routingRight(10_000);
      }
    }
  });

  // BUG (prober): a prober resends its unacknowledged transitions only when it reconnects itself. The
  // embedded broker keeps sessions in memory, so after a broker restart the logger has no session
  // until it is back; a transition a prober publishes before that is delivered to nobody, and is never
  // sent again: the logger's history misses it for good. (Seen in kill.test.ts after supervisor kills.)
  it("a transition published while the logger has no session on a restarted broker is stored once the logger is back", async () => {
    const isp = d.lab.isps.find((i) => live.has(i.name) && live.size > 1);
    if (isp === undefined) throw new Error("no live link to cut");
    for (const name of ["broker", "logger"]) {
      const p = d.procs.get(name)?.pid ?? -1;
      process.kill(p, "SIGKILL");
      await until(`${name} gone`, () => !isAlive(p), 5000, 20);
    }
    const restartAt = Date.now();
    d.spawn("broker", ["broker"]);
    await until(
      "the prober reconnected",
      () =>
        d.logs.some(
          (l) => l.atMs >= restartAt && l.component === `prober/${isp.name}` && l.msg === "bus connected",
        ),
      20_000,
    );
    d.ensureWatch();
    const cutAt = Date.now();
    await d.lab.cutUpstream(isp.name);
    live.delete(isp.name);
    const event = await until(
      "the down transition on the bus",
      () =>
        d.watch
          .messages()
          .filter((m) => m.atMs >= cutAt && m.topic === topics.linkEvent(d.gateway, isp.name))
          .map((m) => JSON.parse(m.payload) as { id: string; to: string })
          .find((e) => e.to === "down"),
      15_000,
    );
    d.spawnPart("logger");
    const { default: Database } = await import("better-sqlite3");
    const stored = await until(
      "the transition stored",
      () => {
        const db = new Database(d.config.logger.database, { readonly: true, fileMustExist: true });
        try {
          return db.prepare("SELECT id FROM link_transitions WHERE id = ?").get(event.id) !== undefined;
        } finally {
          db.close();
        }
      },
      10_000,
      250,
    ).catch(() => false);
    note("broker-restart", `transition ${event.id} published before the logger was back: stored ${stored}`);
    await d.lab.restoreUpstream(isp.name);
    live.add(isp.name);
    expect(stored).toBe(true);
  });
});
