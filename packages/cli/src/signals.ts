/** Set by `wanpilot start` in its children's environment. */
export const SUPERVISED_ENV = "WANPILOT_SUPERVISED";

let hangupHandler: () => void = () => undefined;

/** What a SIGHUP does once the process has its logger (until then it is ignored silently). */
export function onHangup(handler: () => void): void {
  hangupHandler = handler;
}

/** The standard log line of an ignored SIGHUP. */
export function logIgnoredHangup(log: { warn(obj: object, msg: string): void }): void {
  onHangup(() =>
    log.warn(
      { signal: "SIGHUP" },
      "SIGHUP ignored: reload is not supported yet, restart to apply a new config",
    ),
  );
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
  // SIGHUP's default action ends the process (and a unit restarting only on failure then leaves it down):
  // until reload exists it is ignored, with a line in the log once one is there.
  process.on("SIGHUP", () => hangupHandler());
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
