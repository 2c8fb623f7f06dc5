/** Set by `wanpilot start` in its children's environment. */
export const SUPERVISED_ENV = "WANPILOT_SUPERVISED";

let reloadHandler: (() => void) | undefined;
let reloadPending = false;

/** Runs `handler` on every SIGHUP (and at once for one that came during start-up). Needs waitForStop(). */
export function onReload(handler: () => void): void {
  reloadHandler = handler;
  if (reloadPending) {
    reloadPending = false;
    handler();
  }
}

/**
 * Resolves with the reason the process should stop: SIGINT, SIGTERM, or "parent gone" when the
 * supervisor that spawned us (with an IPC channel) disappears, so no part outlives `wanpilot start`.
 * Call it first thing, so a signal during start-up is not lost (it then stops right after start-up).
 *
 * The handlers stay installed: libraries such as signal-exit (through execa) re-raise a signal they see
 * no other listener for, which would kill the process in the middle of its clean stop. A second
 * signal ends the process at once.
 */
export function waitForStop(): Promise<string> {
  // SIGHUP asks for a reload; its default action would end the process.
  process.on("SIGHUP", () => {
    if (reloadHandler === undefined) reloadPending = true;
    else reloadHandler();
  });
  return new Promise((resolve) => {
    let stopping = false;
    const done = (reason: string) => {
      if (stopping) {
        if (reason !== "parent gone") process.exit(1);
        return;
      }
      stopping = true;
      resolve(reason);
    };
    process.on("SIGINT", () => done("SIGINT"));
    process.on("SIGTERM", () => done("SIGTERM"));
    if (process.connected) process.on("disconnect", () => done("parent gone"));
    // Spawned by `wanpilot start` but the channel is already gone: the supervisor died while we started.
    else if (process.env[SUPERVISED_ENV] === "1") done("parent gone");
  });
}
