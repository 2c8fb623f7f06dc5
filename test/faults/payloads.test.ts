import { type Component, componentId, decodePayload, type TopicKind, topics } from "@wanpilot/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BusClient, Deployed, kernelSnapshot, until } from "./lib/harness.js";
import { type BadCategory, badPayload, outOfOrder } from "./lib/payload-gen.js";
import { note, pick, SEED } from "./lib/profile.js";
import { Rng } from "./lib/rng.js";

// Bad payloads on every topic, published by an authorized client with the real component
// credentials: nothing crashes or restarts, every refused payload is counted and logged by each
// subscriber, and the kernel's routing is unchanged.
const PER_TOPIC = pick(100, 1000);
const REJECT_MSGS = new Set([
  "invalid payload dropped",
  "message on an unexpected topic dropped",
  "payload names another link than its topic, dropped",
]);
const CATEGORIES: BadCategory[] = ["malformed", "oversized", "wrong-typed"];

let d: Deployed;
const GW = "lab";
const LINK = "isp1";
const OTHER = "isp2";

/** The topic of each kind and the component allowed to publish there. */
const TARGETS: Array<{ kind: TopicKind; topic: string; as: Component }> = [
  { kind: "availability", topic: topics.availability(GW, { kind: "router" }), as: { kind: "router" } },
  { kind: "linkState", topic: topics.linkState(GW, LINK), as: { kind: "prober", link: LINK } },
  { kind: "linkHealth", topic: topics.linkHealth(GW, LINK), as: { kind: "prober", link: LINK } },
  { kind: "linkEvent", topic: topics.linkEvent(GW, LINK), as: { kind: "prober", link: LINK } },
  { kind: "routerState", topic: topics.routerState(GW), as: { kind: "router" } },
  { kind: "routerEvent", topic: topics.routerEvent(GW), as: { kind: "router" } },
  { kind: "loggerAck", topic: topics.loggerAck(GW), as: { kind: "logger" } },
  { kind: "supervisorState", topic: topics.supervisorState(GW), as: { kind: "supervisor" } },
];

function rejections(topic: string): Map<string, number> {
  const by = new Map<string, number>();
  for (const l of d.logs)
    if (l.topic === topic && REJECT_MSGS.has(String(l.msg))) {
      const who = String(l.component ?? "?");
      by.set(who, (by.get(who) ?? 0) + 1);
    }
  return by;
}

/** Children online now (before any availability is fuzzed). */
function onlineChildren(): string[] {
  return (d.supervisorState()?.processes ?? [])
    .map((p) => p.name)
    .filter((name) => d.watch.last(topics.availability(GW, parseName(name))) === "online");
}

function parseName(name: string): Component {
  return name.startsWith("prober/") ? { kind: "prober", link: name.slice(7) } : ({ kind: name } as Component);
}

/** Children the supervisor saw exit since `sinceMs`. */
function exitedSince(sinceMs: number): string[] {
  return d.logs
    .filter((l) => l.atMs >= sinceMs && l.msg === "child exited, restarting")
    .map((l) => String(l.child));
}

beforeAll(async () => {
  d = await Deployed.create({
    isps: 2,
    name: "fpay",
    deploy: { gateway: GW, logLevel: "info" },
  });
  // Whatever parts exist on this checkout are up; wait for the logger (the one sure subscriber).
  await until("the logger online", () => d.availability({ kind: "logger" }) === "online", 30_000);
  await until("supervisor state", () => d.supervisorState(), 15_000);
});

afterAll(async () => {
  await d?.destroy();
});

describe(`${PER_TOPIC} bad payloads on every topic (seed ${SEED})`, () => {
  it("are refused, counted and logged by every subscriber; nothing restarts; routing unchanged", async () => {
    // Let the router (if present) settle before taking the kernel's picture.
    await new Promise((r) => setTimeout(r, 1500));
    const kernelBefore = await kernelSnapshot(d.lab);
    const online = onlineChildren();
    const fuzzStart = Date.now();
    note("payloads", `children online before: ${online.join(", ")}`);
    const rng = new Rng(SEED);
    const clients = new Map<string, BusClient>();
    const sent = new Map<string, number>();
    for (const t of TARGETS) {
      const who = componentId(t.as);
      let client = clients.get(who);
      if (client === undefined) {
        client = await d.client(t.as, `faults-${who.replace("/", "-")}`);
        clients.set(who, client);
      }
      let n = 0;
      for (let i = 0; i < PER_TOPIC; i++) {
        const payload = badPayload(t.kind, rng.pick(CATEGORIES), rng, LINK, `fuzz-${i}-0000`);
        if (payload === undefined) continue;
        expect(decodePayload(t.kind, payload).ok).toBe(false);
        client.publish(t.topic, payload, { qos: 1 });
        n++;
      }
      sent.set(t.topic, n);
    }
    for (const c of clients.values()) await c.settled(120_000);
    for (const c of clients.values()) expect([...c.failed.values()].slice(0, 3)).toEqual([]);

    // Every subscriber of a topic refuses each of its bad payloads once.
    const counted = await until(
      "every subscriber to log each rejection",
      () => {
        const all = TARGETS.map((t) => ({ t, by: rejections(t.topic) }));
        const settled = all.every(({ t, by }) =>
          [...by.values()].every((n) => n >= (sent.get(t.topic) ?? 0)),
        );
        return settled ? all : undefined;
      },
      30_000,
      250,
    ).catch(() => TARGETS.map((t) => ({ t, by: rejections(t.topic) })));
    for (const { t, by } of counted) {
      note(
        "payloads",
        `${t.kind}: ${sent.get(t.topic)} sent, refused by ${JSON.stringify(Object.fromEntries(by))}`,
      );
      for (const [who, n] of by) expect(n, `${who} on ${t.topic}`).toBe(sent.get(t.topic));
    }
    // The logger subscribes to these: their refusals must show up.
    for (const kind of ["linkState", "linkHealth", "linkEvent", "routerEvent"])
      expect(counted.find((c) => c.t.kind === kind)?.by.get("logger"), kind).toBe(
        sent.get(TARGETS.find((t) => t.kind === kind)?.topic ?? ""),
      );

    expect(d.supervisor.running).toBe(true);
    expect(exitedSince(fuzzStart).filter((c) => online.includes(c))).toEqual([]);
    // (A part missing from this checkout logs "cannot start" on each restart: not the fuzz's doing.)
    const errors = d.logs.filter(
      (l) => l.atMs >= fuzzStart && Number(l.level) >= 50 && l.msg !== "cannot start",
    );
    expect(errors.slice(0, 3)).toEqual([]);
    expect(await kernelSnapshot(d.lab)).toEqual(kernelBefore);
  });

  it("out-of-order and other-link payloads (valid by the schema) leave routing alone", async () => {
    const kernelBefore = await kernelSnapshot(d.lab);
    const rng = new Rng(SEED + 1);
    const prober = await d.client({ kind: "prober", link: LINK }, "faults-ooo-prober");
    for (let i = 0; i < pick(30, 200); i++) {
      const kind = rng.pick(["linkState", "linkEvent"] as const);
      const { payload } = outOfOrder(kind, rng, LINK, OTHER, `ooo-${SEED}-${i}-event`);
      const topic = kind === "linkState" ? topics.linkState(GW, LINK) : topics.linkEvent(GW, LINK);
      prober.publish(topic, JSON.stringify(payload));
    }
    await prober.settled();
    await new Promise((r) => setTimeout(r, 1500));
    expect(d.supervisor.running).toBe(true);
    expect(await kernelSnapshot(d.lab)).toEqual(kernelBefore);
  });

  // Found by this suite: the logger stored a LinkTransition under the link its payload named, so
  // prober/isp1 could write isp2's history. Fixed in runtime (3eb0b72): such payloads are dropped.
  it("an event on isp1's topic that names isp2 is not stored as isp2's", async () => {
    const prober = await d.client({ kind: "prober", link: LINK }, "faults-forge-prober");
    const rng = new Rng(SEED + 2);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = `forged-${SEED}-${i}-event`;
      const { payload } = outOfOrder("linkEvent", rng, LINK, OTHER, id);
      prober.publish(topics.linkEvent(GW, LINK), JSON.stringify({ ...(payload as object), link: OTHER, id }));
      ids.push(id);
    }
    await prober.settled();
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(d.config.logger.database, { readonly: true, fileMustExist: true });
    try {
      const rows = await until(
        "the forged events to be handled",
        () => {
          const r = db
            .prepare("SELECT id, link FROM link_transitions WHERE id LIKE 'forged-%'")
            .all() as Array<{
            id: string;
            link: string;
          }>;
          return r.length > 0 ? r : undefined;
        },
        5000,
      ).catch(() => []);
      note(
        "payloads",
        `${ids.length} events naming ${OTHER} on ${LINK}'s topic: ${rows.length} stored as ${OTHER}`,
      );
      expect(rows.filter((r) => r.link !== LINK)).toEqual([]);
    } finally {
      db.close();
    }
  });
});
