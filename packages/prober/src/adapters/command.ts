import { WanpilotError } from "@wanpilot/common";
import { runCommand } from "@wanpilot/runtime";

/**
 * Prepended to every command the prober runs. Empty in production (the whole process runs in the
 * gateway's namespace); `["ip", "netns", "exec", "<ns>"]` in lab tests.
 */
export type CommandPrefix = readonly string[];

export function withPrefix(prefix: CommandPrefix, argv: readonly string[]): { file: string; args: string[] } {
  const full = [...prefix, ...argv];
  const [file, ...args] = full;
  if (file === undefined) throw new WanpilotError("USAGE", "empty command");
  return { file, args };
}

/** Runs `ip -N -json ...` (tables as numbers, whatever rt_tables names them); undefined when the device does not exist. */
export async function ipJson(
  prefix: CommandPrefix,
  args: readonly string[],
  timeoutMs = 2000,
): Promise<unknown> {
  const { file, args: rest } = withPrefix(prefix, ["ip", "-N", "-json", ...args]);
  const argv = [file, ...rest];
  const r = await runCommand(argv, { timeoutMs });
  if (r.timedOut)
    throw new WanpilotError("COMMAND_TIMEOUT", `${argv.join(" ")} timed out`, {
      details: { argv, timeoutMs },
    });
  if (r.exitCode !== 0) {
    if (/does not exist|Cannot find device/.test(r.stderr)) return undefined;
    const why = (r.error?.message ?? r.stderr).trim();
    throw new WanpilotError("COMMAND_FAILED", `${argv.join(" ")} failed: ${why}`, {
      cause: r.error,
      details: { argv, exitCode: r.exitCode, stderr: r.stderr },
    });
  }
  try {
    return JSON.parse(r.stdout.trim() === "" ? "[]" : r.stdout) as unknown;
  } catch (err: unknown) {
    throw new WanpilotError("COMMAND_FAILED", `${argv.join(" ")} printed no JSON`, {
      cause: err,
      details: { argv, stdout: r.stdout.slice(0, 500) },
    });
  }
}
