import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The values the sysctls had before the router first changed them, so `cleanup` (and `wanpilot uninstall`)
 * can put them back. Kept under runtime_dir (a tmpfs): after a reboot the kernel's values are back anyway.
 */
export function sysctlMemoryPath(runtimeDir: string): string {
  return join(runtimeDir, "sysctl-before.json");
}

function read(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Adds the values of keys not remembered yet: the first value seen is the one from before wanpilot. */
export function rememberSysctls(path: string, before: Record<string, string>): void {
  const known = read(path);
  const fresh = Object.entries(before).filter(([k]) => !(k in known));
  if (fresh.length === 0) return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify({ ...known, ...Object.fromEntries(fresh) }, null, 2)}\n`, {
    mode: 0o600,
  });
}

/** The remembered values, forgetting them (they are about to be restored). */
export function takeRememberedSysctls(path: string): Record<string, string> {
  const known = read(path);
  rmSync(path, { force: true });
  return known;
}
