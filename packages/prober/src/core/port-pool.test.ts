import { describe, expect, it } from "vitest";
import { newPortPool, releasePort, takePort } from "./port-pool.js";

describe("the link's probe ports", () => {
  it("hands ports out round-robin, skips those in use, and says when none is free", () => {
    let pool = newPortPool({ first: 61016, last: 61018 });
    const taken: Array<number | null> = [];
    for (let i = 0; i < 4; i++) {
      const t = takePort(pool);
      pool = t.pool;
      taken.push(t.port);
    }
    expect(taken).toEqual([61016, 61017, 61018, null]);
    pool = releasePort(pool, 61017);
    const again = takePort(pool);
    expect(again.port).toBe(61017);
    pool = releasePort(releasePort(again.pool, 61016), 61018);
    // After 61017 comes 61018 (free again), not the just-released lower port.
    expect(takePort(pool).port).toBe(61018);
  });
});
