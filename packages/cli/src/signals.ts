/** Set by `wanpilot start` in its children's environment. */
export const SUPERVISED_ENV = "WANPILOT_SUPERVISED";

/**
 * Resolves with the reason the process should stop: SIGINT, SIGTERM, or "parent gone" when the
 * supervisor that spawned us (with an IPC channel) disappears, so no part outlives `wanpilot start`.
 * Call it first thing, so a signal during start-up is not lost (it then stops right after start-up).
 */
export function waitForStop(): Promise<string> {
  return new Promise((resolve) => {
    const done = (reason: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      process.off("disconnect", onGone);
      resolve(reason);
    };
    const onInt = () => done("SIGINT");
    const onTerm = () => done("SIGTERM");
    const onGone = () => done("parent gone");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    if (process.connected) process.on("disconnect", onGone);
    // Spawned by `wanpilot start` but the channel is already gone: the supervisor died while we started.
    else if (process.env[SUPERVISED_ENV] === "1") done("parent gone");
  });
}
