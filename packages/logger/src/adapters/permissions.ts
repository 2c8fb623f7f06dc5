import { chmodSync, chownSync, readFileSync, statSync } from "node:fs";

/** The history is no one else's business: owner read-write, the readers' group read, others nothing. */
export const DATABASE_MODE = 0o640;
/** Members of this group may run `wanpilot report` (when the group exists). */
export const READER_GROUP = "wanpilot";

/** The gid of `name` in /etc/group's text, or undefined. */
export function groupId(etcGroup: string, name: string): number | undefined {
  for (const line of etcGroup.split("\n")) {
    const [group, , gid] = line.split(":");
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

function readEtcGroup(): string {
  try {
    return readFileSync("/etc/group", "utf8");
  } catch {
    return "";
  }
}

/**
 * 0640 and the readers' group on the database file (SQLite gives its -wal and -shm files the same).
 * Returns what could not be done, for a warning; nothing is fatal (the logger still records).
 */
export function restrictDatabase(path: string, group = READER_GROUP): string[] {
  const problems: string[] = [];
  try {
    if ((statSync(path).mode & 0o777) !== DATABASE_MODE) chmodSync(path, DATABASE_MODE);
  } catch (err: unknown) {
    problems.push(`chmod ${DATABASE_MODE.toString(8)}: ${String(err)}`);
  }
  const gid = groupId(readEtcGroup(), group);
  if (gid === undefined) return problems;
  try {
    const st = statSync(path);
    if (st.gid !== gid) chownSync(path, st.uid, gid);
  } catch (err: unknown) {
    problems.push(`chgrp ${group}: ${String(err)}`);
  }
  return problems;
}
