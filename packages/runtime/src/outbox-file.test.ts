import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LinkTransition } from "@wanpilot/common";
import { silentLog as log } from "@wanpilot/testing";
import { afterEach, describe, expect, it } from "vitest";
import { OutboxFile, outboxPath } from "./outbox-file.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "wanpilot-outbox-"));
  dirs.push(d);
  return d;
}
const event = (id: string): LinkTransition => ({
  id,
  link: "dsl",
  from: "up",
  to: "down",
  at: "2026-11-29T12:00:00.000Z",
  cause: "test",
});

describe("OutboxFile", () => {
  it("keeps a component's unacknowledged events across a restart, in a private file", () => {
    const path = outboxPath(tmp(), { kind: "prober", link: "dsl" });
    expect(path.endsWith("/outbox/prober-dsl.json")).toBe(true);
    new OutboxFile(path, LinkTransition, log).save([event("dsl:0000-0001"), event("dsl:0000-0002")]);
    expect(new OutboxFile(path, LinkTransition, log).load().map((e) => e.id)).toEqual([
      "dsl:0000-0001",
      "dsl:0000-0002",
    ]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    new OutboxFile(path, LinkTransition, log).save([]);
    expect(new OutboxFile(path, LinkTransition, log).load()).toEqual([]);
  });

  it("starts empty without a file, and drops entries that are not events", () => {
    const dir = tmp();
    expect(new OutboxFile(join(dir, "none.json"), LinkTransition, log).load()).toEqual([]);
    const path = join(dir, "mixed.json");
    writeFileSync(path, JSON.stringify([event("dsl:0000-0003"), { id: "x" }, 42]));
    expect(new OutboxFile(path, LinkTransition, log).load().map((e) => e.id)).toEqual(["dsl:0000-0003"]);
    writeFileSync(path, "{broken");
    expect(new OutboxFile(path, LinkTransition, log).load()).toEqual([]);
  });

  it("a file that cannot be written is logged, not thrown", () => {
    const dir = tmp();
    writeFileSync(join(dir, "outbox"), "a file where the folder should be");
    const file = new OutboxFile(join(dir, "outbox", "router.json"), LinkTransition, log);
    expect(() => file.save([event("dsl:0000-0004")])).not.toThrow();
    expect(readFileSync(join(dir, "outbox"), "utf8")).toContain("a file");
  });
});
