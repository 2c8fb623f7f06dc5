import { describe, expect, it } from "vitest";
import { defaultRouteCommand, type LinkCounter, type RecipeLink, setupCommands, step } from "./recipe.js";

const cfg = { downAfter: 1, upAfter: 4 };

describe("step (down after 1 failure, up after 4 successes)", () => {
  it.each([
    { start: { up: true, streak: 0 }, ok: true, expected: { next: { up: true, streak: 0 }, changed: false } },
    {
      start: { up: true, streak: 0 },
      ok: false,
      expected: { next: { up: false, streak: 0 }, changed: true },
    },
    {
      start: { up: false, streak: 0 },
      ok: false,
      expected: { next: { up: false, streak: 0 }, changed: false },
    },
    {
      start: { up: false, streak: 0 },
      ok: true,
      expected: { next: { up: false, streak: 1 }, changed: false },
    },
    {
      start: { up: false, streak: 2 },
      ok: false,
      expected: { next: { up: false, streak: 0 }, changed: false },
    },
    { start: { up: false, streak: 3 }, ok: true, expected: { next: { up: true, streak: 0 }, changed: true } },
  ] as Array<{ start: LinkCounter; ok: boolean; expected: ReturnType<typeof step> }>)(
    "$start + ok=$ok",
    ({ start, ok, expected }) => {
      expect(step(start, ok, cfg)).toEqual(expected);
    },
  );

  it("needs exactly 4 good rounds to come back", () => {
    let c: LinkCounter = { up: false, streak: 0 };
    const flips = [true, true, true, true].map((ok) => {
      const r = step(c, ok, cfg);
      c = r.next;
      return r.changed;
    });
    expect(flips).toEqual([false, false, false, true]);
  });
});

const links: RecipeLink[] = [
  { name: "isp1", dev: "wan1", source: "198.18.1.2", gateway: "198.18.1.1", table: 101, weight: 1 },
  { name: "isp2", dev: "wan2", source: "198.18.2.2", gateway: "198.18.2.1", table: 102, weight: 1 },
];

describe("commands", () => {
  it("rewrites the multipath route over the live links", () => {
    expect(defaultRouteCommand(links, new Set(["isp2"]))).toEqual(
      "ip route replace default nexthop via 198.18.2.1 dev wan2 weight 1".split(" "),
    );
    expect(defaultRouteCommand(links, new Set(["isp1", "isp2"])).join(" ")).toBe(
      "ip route replace default nexthop via 198.18.1.1 dev wan1 weight 1 nexthop via 198.18.2.1 dev wan2 weight 1",
    );
  });
  it("keeps every link when none is live (fail open)", () => {
    expect(defaultRouteCommand(links, new Set())).toEqual(
      defaultRouteCommand(links, new Set(["isp1", "isp2"])),
    );
  });
  it("gives each link a table and a source rule", () => {
    expect(setupCommands(links).map((a) => a.join(" "))).toEqual([
      "ip route replace default via 198.18.1.1 dev wan1 table 101",
      "ip rule add from 198.18.1.2 lookup 101 priority 1000",
      "ip route replace default via 198.18.2.1 dev wan2 table 102",
      "ip rule add from 198.18.2.2 lookup 102 priority 1001",
    ]);
  });
});
