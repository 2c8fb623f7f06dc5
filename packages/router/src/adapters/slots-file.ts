import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { markCapacity, type WanpilotConfig } from "@wanpilot/common";
import type { Logger } from "pino";
import type { Slots } from "../core/desired.js";
import { allocateSlots, type SlotTable } from "../core/slots.js";

/** Where the router keeps each link name's slot (marks, priorities, nexthop ids) between runs. */
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

/** The links' slots: the file's where it has them, new ones allocated, written back (atomically). */
export function linkSlots(config: WanpilotConfig, path: string, log: Logger): Slots {
  const slots = allocateSlots(
    config.links.map((l) => l.name),
    load(path, log),
    markCapacity(config.balance.mark_mask),
  );
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    writeFileSync(`${path}.tmp`, `${JSON.stringify(slots)}\n`, { mode: 0o640 });
    renameSync(`${path}.tmp`, path);
  } catch (err: unknown) {
    log.warn({ err, path }, "link slots not saved: a restart may give links other marks");
  }
  return new Map(Object.entries(slots));
}
