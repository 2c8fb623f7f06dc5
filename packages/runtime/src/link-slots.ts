import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { allocateSlots, markCapacity, type SlotTable, type WanpilotConfig } from "@wanpilot/common";
import type { Logger } from "pino";

/** Where each link name's slot (marks, priorities, nexthop ids, probe ports) is kept between runs. */
export function slotsPath(config: Pick<WanpilotConfig, "runtime_dir">): string {
  return join(config.runtime_dir, "router-slots.json");
}

function load(path: string, log: Logger): SlotTable {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "number")) as SlotTable;
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      log.warn({ err, path }, "link slots unreadable; reassigned");
    return {};
  }
}

/**
 * The links' slots: the file's where it has them, new ones allocated, written back (atomically). The
 * router and every prober call this with the same config: the allocation is deterministic, so they agree
 * on each link's mark and probe ports whoever writes first.
 */
export function linkSlots(config: WanpilotConfig, log: Logger, path = slotsPath(config)): SlotTable {
  const slots = allocateSlots(
    config.links.map((l) => l.name),
    load(path, log),
    markCapacity(config.balance.mark_mask),
  );
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    // A temp name of our own: a prober and the router may write the same table at once.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(slots)}\n`, { mode: 0o640 });
    renameSync(tmp, path);
  } catch (err: unknown) {
    log.warn({ err, path }, "link slots not saved: a restart may give links other marks");
  }
  return slots;
}
