import { describe, expect, it } from "vitest";
import { config, inputs } from "../../test/fixtures/core.js";
import { computeDesired } from "./desired.js";
import type { ObservedState } from "./model.js";
import { parseNexthops } from "./nexthops.js";
import { appliedState, plan, planCleanup } from "./plan.js";

const host = config({ balance: { hash: "host" } });
const empty: ObservedState = { rules: [], routes: [], nexthops: [], nftHash: null, nftVias: {}, sysctls: {} };
const GROUP = "type resilient buckets 256 idle_timer 120 unbalanced_timer 0";
const lines = (d: ReturnType<typeof computeDesired>, o: ObservedState) =>
  plan(d, o).flatMap((c) => (c.kind === "ip-batch" ? c.lines : []));

describe("hash: host uses a resilient nexthop group", () => {
  const all = computeDesired(host, inputs({ dsl: "up", cable: "up" }), null);

  it("members, then the group, then the route that uses it", () => {
    const l = lines(all, empty);
    expect(l.slice(0, 3)).toEqual([
      "nexthop replace id 10001 via 198.18.1.1 dev wan1 proto 77",
      "nexthop replace id 10002 via 198.18.2.1 dev wan2 proto 77",
      `nexthop replace id 10900 group 10001,1/10002,4 ${GROUP} proto 77`,
    ]);
    expect(l).toContain("route replace table 100 default proto 77 nhid 10900");
  });

  it.each([
    {
      name: "a link down: the group shrinks, then its member goes",
      states: { dsl: "down", cable: "up" },
      expected: [`nexthop replace id 10900 group 10002,4 ${GROUP} proto 77`, "nexthop del id 10001"],
    },
    {
      name: "a re-weight (degraded, demoted): only the group",
      states: { dsl: "up", cable: "degraded" },
      expected: [`nexthop replace id 10900 group 10001,1/10002,1 ${GROUP} proto 77`],
    },
    { name: "nothing changed: nothing", states: { dsl: "up", cable: "up" }, expected: [] },
  ])("$name", ({ states, expected }) => {
    const next = computeDesired(host, inputs(states as never), null);
    expect(lines(next, appliedState(all, empty))).toEqual(expected);
  });

  it("all down with unreachable: the route first, then the group, then members", () => {
    const c = config({ balance: { hash: "host", all_down: "unreachable" } });
    const down = computeDesired(c, inputs({ dsl: "down", cable: "down", lte: "down" }), null);
    expect(
      lines(
        down,
        appliedState(computeDesired(c, inputs({ dsl: "up", cable: "up", lte: "up" }), null), empty),
      ),
    ).toEqual([
      "route replace table 100 unreachable default proto 77",
      "nexthop del id 10900",
      "nexthop del id 10001",
      "nexthop del id 10002",
    ]);
  });

  it("l4 keeps a plain multipath route and removes a leftover group", () => {
    const l4 = computeDesired(config(), inputs({ dsl: "up", cable: "up" }), null);
    expect(lines(l4, appliedState(all, empty))).toEqual([
      "route replace table 100 default proto 77 nexthop via 198.18.1.1 dev wan1 weight 1 nexthop via 198.18.2.1 dev wan2 weight 4",
      "nexthop del id 10900",
      "nexthop del id 10001",
      "nexthop del id 10002",
    ]);
  });

  it("cleanup deletes its nexthops after its routes; others' nexthops stay", () => {
    const observed = {
      ...appliedState(all, empty),
      nexthops: [...all.nexthops, { id: 5, spec: "dev eth9" }],
    };
    const l = planCleanup(observed).flatMap((c) => (c.kind === "ip-batch" ? c.lines : []));
    expect(l.slice(-3)).toEqual(["nexthop del id 10900", "nexthop del id 10001", "nexthop del id 10002"]);
    expect(l.join("\n")).not.toContain("id 5");
  });
});

describe("parseNexthops", () => {
  it("reads `ip -json nexthop show` into the same spelling", () => {
    const json = [
      { id: 10001, gateway: "198.18.1.1", dev: "wan1", scope: "link", flags: [] },
      { id: 10003, dev: "ppp0", scope: "link", flags: [] },
      {
        id: 10900,
        group: [{ id: 10001 }, { id: 10002, weight: 4 }],
        type: "resilient",
        resilient_args: { buckets: 256, idle_timer: 120, unbalanced_timer: 0, unbalanced_time: 0 },
        flags: [],
      },
      { id: 10901, group: [{ id: 10001 }], type: "mpath", flags: [] },
    ];
    expect(parseNexthops(json)).toEqual([
      { id: 10001, spec: "via 198.18.1.1 dev wan1" },
      { id: 10003, spec: "dev ppp0" },
      { id: 10900, spec: `group 10001,1/10002,4 ${GROUP}` },
      { id: 10901, spec: 'group [{"id":10001}] mpath' },
    ]);
  });
});
