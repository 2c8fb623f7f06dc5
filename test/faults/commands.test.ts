import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Operation, RouterState, topics } from "@wanpilot/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BusClient, Deployed, kernelSnapshot, until } from "./lib/harness.js";
import { note, pick, SEED } from "./lib/profile.js";
import { Rng } from "./lib/rng.js";

// Bad operator commands: malformed payloads, unknown links, values out of range, senders that are not
// the operator. Each is refused with its reason on `operations`; nothing changes; nothing restarts.
const COUNT = pick(150, 1000);
const GW = "lab";
const LINK = "isp1";

let d: Deployed;

/** One bad command: the topic's link and the payload, generated from the seed. */
function badCommand(rng: Rng, i: number): { link: string; payload: string } {
  const id = `bad-${i}`;
  const cases: Array<() => { link: string; payload: string }> = [
    () => ({ link: LINK, payload: "not json {" }),
    () => ({ link: LINK, payload: JSON.stringify([id, "drain"]) }),
    () => ({ link: LINK, payload: JSON.stringify("disable") }),
    () => ({ link: LINK, payload: JSON.stringify({ id, action: "explode" }) }),
    () => ({ link: LINK, payload: JSON.stringify({ id }) }),
    () => ({
      link: LINK,
      payload: JSON.stringify({ id, action: "weight", value: rng.pick([0, -1, 257, 1.5, 1e9]) }),
    }),
    () => ({ link: LINK, payload: JSON.stringify({ id, action: "weight", value: "5" }) }),
    () => ({ link: LINK, payload: JSON.stringify({ id, action: "weight" }) }),
    () => ({ link: LINK, payload: JSON.stringify({ id, action: "tier", value: rng.pick([0, 17, 2.5]) }) }),
    () => ({ link: LINK, payload: JSON.stringify({ id, action: "drain", value: 3 }) }),
    () => ({ link: LINK, payload: JSON.stringify({ id, action: "disable", extra: true }) }),
    () => ({ link: LINK, payload: JSON.stringify({ id: "x".repeat(200), action: "disable" }) }),
    // Big but under the broker's 64 KiB packet limit for non-parts (over it the broker drops the sender).
    () => ({ link: LINK, payload: JSON.stringify({ id, action: "disable", pad: "y".repeat(60_000) }) }),
    () => ({
      link: rng.pick(["nope", "ISP1", "isp9", "a".repeat(80)]),
      payload: JSON.stringify({ id, action: "disable" }),
    }),
  ];
  return rng.pick(cases)();
}

const operations = () =>
  d.watch
    .messages()
    .filter((m) => m.topic === topics.operations(GW))
    .map((m) => Operation.parse(JSON.parse(m.payload)));

function routerState(): RouterState | undefined {
  const raw = d.watch.last(topics.routerState(GW));
  return raw === undefined ? undefined : RouterState.parse(JSON.parse(raw));
}

beforeAll(async () => {
  d = await Deployed.create({ isps: 2, name: "fcmd", deploy: { gateway: GW, logLevel: "info" } });
  await until("both links up", () => routerState()?.links.every((l) => l.state === "up"), 30_000);
});

afterAll(async () => {
  await d?.destroy();
});

describe(`${COUNT} bad commands (seed ${SEED})`, () => {
  it("each is refused with its reason on operations; no override, no kernel change, no restart", async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const kernelBefore = await kernelSnapshot(d.lab);
    const pids = d.supervisorState()?.processes.map((p) => [p.name, p.pid]);
    const password = readFileSync(join(d.dir, "run", "operator.password"), "utf8").trim();
    const operator = new BusClient(d.lab, ["mqtt://127.0.0.1:1883", "operator", password, "faults-operator"]);
    const anonymous = new BusClient(d.lab, ["mqtt://127.0.0.1:1883", "", "", "faults-anon"]);
    await Promise.all([operator.connected(), anonymous.connected()]);
    const rng = new Rng(SEED);
    const before = operations().length;
    for (let i = 0; i < COUNT; i++) {
      const c = badCommand(rng, i);
      operator.publish(topics.linkCommand(GW, c.link), c.payload, { qos: 1 });
    }
    const fromOthers = Math.max(10, Math.floor(COUNT / 10));
    for (let i = 0; i < fromOthers; i++)
      anonymous.publish(
        topics.linkCommand(GW, LINK),
        JSON.stringify({ id: `anon-${i}`, action: "disable" }),
        {
          qos: 1,
        },
      );
    await operator.settled(120_000);
    await anonymous.settled(120_000);
    // Every payload is under the broker's packet limit (64 KiB): each one gets its answer.
    const total = COUNT + fromOthers;
    const ops = await until(
      "a result for every command",
      () => {
        const seen = operations().slice(before);
        return seen.length >= total ? seen : undefined;
      },
      120_000,
      250,
    ).catch(() => operations().slice(before));
    const reasons = new Map<string, number>();
    for (const o of ops) {
      const kind = o.reason.replace(/\d+|"[^"]*"/g, "#").slice(0, 60);
      reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
    }
    note(
      "commands",
      `${total} sent, ${ops.length} answered; reasons: ${JSON.stringify(Object.fromEntries(reasons))}`,
    );
    expect(ops.length).toBe(total);
    expect(ops.filter((o) => o.result !== "refused")).toEqual([]);
    expect(ops.every((o) => o.reason.length > 0)).toBe(true);
    const anon = ops.filter((o) => o.command?.startsWith("anon-"));
    expect(anon.length).toBe(fromOthers);
    expect(anon.every((o) => o.by === "anonymous" && /only the operator/.test(o.reason))).toBe(true);
    // Nothing changed, nobody restarted, both clients still connected.
    expect(routerState()?.links.map((l) => l.override)).toEqual([null, null]);
    expect(await kernelSnapshot(d.lab)).toEqual(kernelBefore);
    expect(d.supervisorState()?.processes.map((p) => [p.name, p.pid])).toEqual(pids);
    expect(operator.connects).toBe(1);
    expect(anonymous.connects).toBe(1);
  });
});
