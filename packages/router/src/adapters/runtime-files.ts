import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { WanpilotConfig } from "@wanpilot/common";

type Dir = Pick<WanpilotConfig, "runtime_dir">;

/** The sysctl values found before wanpilot first changed them; `cleanup` puts them back. */
export const sysctlsPath = (c: Dir) => join(c.runtime_dir, "router-sysctls.json");
/** The running router's pid: `cleanup` refuses while it lives (no bus read needed). */
export const pidPath = (c: Dir) => join(c.runtime_dir, "router.pid");

function readJson(path: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "string"));
  } catch {
    return {};
  }
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  writeFileSync(`${path}.tmp`, text, { mode: 0o640 });
  renameSync(`${path}.tmp`, path);
}

/** Records originals of keys not recorded yet: the first value seen before any change is the one to restore. */
export function rememberSysctls(path: string, originals: Record<string, string>): void {
  const known = readJson(path);
  const fresh = Object.entries(originals).filter(([k]) => known[k] === undefined);
  if (fresh.length > 0) writeAtomic(path, `${JSON.stringify({ ...known, ...Object.fromEntries(fresh) })}\n`);
}

export function rememberedSysctls(path: string): Record<string, string> {
  return readJson(path);
}

export function forget(path: string): void {
  rmSync(path, { force: true });
}

export function writePid(path: string, pid: number): void {
  writeAtomic(path, `${pid}\n`);
}

/** The pid in the file when that process is alive; null otherwise (no file, stale file). */
export function livePid(path: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(path, "utf8").trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err: unknown) {
    // EPERM: alive, owned by another user.
    return (err as NodeJS.ErrnoException).code === "EPERM" ? pid : null;
  }
}
