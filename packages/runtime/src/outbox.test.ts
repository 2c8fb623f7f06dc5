import type { LinkTransition } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { acknowledge, emptyOutbox, enqueue, OUTBOX_LIMIT } from "./outbox.js";

const t = (id: string): LinkTransition => ({
  id,
  link: "dsl",
  from: "up",
  to: "down",
  at: "2026-01-01T00:00:00.000Z",
  cause: "x",
});

describe("event outbox", () => {
  it.each([
    { queued: ["dsl:aaaaaaa1", "dsl:aaaaaaa2"], acked: ["dsl:aaaaaaa1"], expected: ["dsl:aaaaaaa2"] },
    { queued: ["dsl:aaaaaaa1"], acked: ["other:bbbbbbb"], expected: ["dsl:aaaaaaa1"] },
    { queued: ["dsl:aaaaaaa1", "dsl:aaaaaaa2"], acked: ["dsl:aaaaaaa2", "dsl:aaaaaaa1"], expected: [] },
  ])("$queued acked by $acked → $expected", ({ queued, acked, expected }) => {
    const o = acknowledge(queued.map(t).reduce(enqueue, emptyOutbox<LinkTransition>()), acked);
    expect(o.items.map((i) => i.id)).toEqual(expected);
  });

  it("drops the oldest beyond its limit and counts them", () => {
    let o = emptyOutbox<LinkTransition>();
    for (let i = 0; i < OUTBOX_LIMIT + 5; i++) o = enqueue(o, t(`dsl:${String(i).padStart(8, "0")}`));
    expect(o.items.length).toBe(OUTBOX_LIMIT);
    expect(o.dropped).toBe(5);
    expect(o.items[0]?.id).toBe("dsl:00000005");
  });
});
