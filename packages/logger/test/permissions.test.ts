import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { groupId } from "../src/adapters/permissions.js";
import { Store } from "../src/adapters/store.js";
import { T0, tempDir, transition } from "./fixtures.js";

// The history is readable by the owner and one group, and `wanpilot report` works for a non-root
// member of that group with the logger stopped (it opens the database read-only). "nogroup" stands
// in for the `wanpilot` group, which the test machine need not have.
const BIN = new URL("../../cli/bin/wanpilot.js", import.meta.url).pathname;
const GROUP = "nogroup";
const gid = groupId(readFileSync("/etc/group", "utf8"), GROUP);
const NOBODY = 65534;

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
  chmodSync(tmp.dir, 0o755); // the reader may enter the directory, not write it
});
afterEach(() => tmp.remove());

function reportAsNobody(): { code: number; out: string } {
  const config = join(tmp.dir, "wanpilot.yaml");
  writeFileSync(config, `links:\n  - { name: a, interface: wan1 }\nlogger:\n  database: ${tmp.dbPath}\n`);
  chmodSync(config, 0o644);
  const argv = [`--reuid=${NOBODY}`, `--regid=${gid}`, "--clear-groups", process.execPath, BIN];
  try {
    const out = execFileSync("setpriv", [...argv, "report", "--config", config, "--json"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 30_000,
    });
    return { code: 0, out };
  } catch (err: unknown) {
    const e = err as { status: number | null; stderr?: string };
    return { code: e.status ?? -1, out: e.stderr ?? "" };
  }
}

describe.skipIf(gid === undefined || process.getuid?.() !== 0)("database permissions", () => {
  it("parses /etc/group", () => {
    expect(groupId("root:x:0:\nwanpilot:x:997:alice,bob\n", "wanpilot")).toBe(997);
    expect(groupId("root:x:0:\n", "wanpilot")).toBeUndefined();
  });

  it("is 0640 with the readers' group, also when it existed world-readable", () => {
    writeFileSync(tmp.dbPath, "");
    chmodSync(tmp.dbPath, 0o666);
    const store = Store.open(tmp.dbPath, { readerGroup: GROUP });
    store.insertTransitions([transition(1, "a", "up", T0)]);
    for (const f of [tmp.dbPath, `${tmp.dbPath}-wal`, `${tmp.dbPath}-shm`]) {
      const st = statSync(f);
      expect([f, st.mode & 0o777, st.gid]).toEqual([f, 0o640, gid]);
    }
    store.close();
  });

  it("lets a non-root member of the group run `wanpilot report`, logger running or stopped", () => {
    const store = Store.open(tmp.dbPath, { readerGroup: GROUP });
    store.insertTransitions([transition(1, "a", "up", Date.now() - 60_000)]);
    const running = reportAsNobody();
    expect(running.out).toContain('"name": "a"');
    expect(running.code).toBe(0);
    store.close();
    const stopped = reportAsNobody();
    expect(stopped.out).toContain('"name": "a"');
    expect(stopped.code).toBe(0);
  });
});
