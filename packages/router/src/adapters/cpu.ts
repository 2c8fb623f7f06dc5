import { readFileSync } from "node:fs";

/** /proc reports times in USER_HZ, 100 per second on every Linux architecture wanpilot runs on. */
const USER_HZ = 100;

/**
 * CPU milliseconds used by this process and by its children once reaped (`conntrack`, `ip`): what an
 * external command costs is only visible in the parent's cutime and cstime.
 */
export function processCpuMs(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    // Fields after the command name's closing parenthesis: cutime and cstime are the 14th and 15th.
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
    children = ((Number(fields[13]) + Number(fields[14])) * 1000) / USER_HZ;
  } catch {
    // No /proc (not Linux): the process's own time only.
  }
  return (own.user + own.system) / 1000 + (Number.isFinite(children) ? children : 0);
}
