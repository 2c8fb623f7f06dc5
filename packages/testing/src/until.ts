/**
 * Polls `check` until it returns a value (anything but undefined/false), or throws after `timeoutMs`
 * naming `what` was awaited. Tests wait for events this way, never with fixed sleeps.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Like `until`, but answers whether `check` came true in time instead of throwing. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<boolean> {
  return until("", check, timeoutMs, everyMs).then(
    () => true,
    () => false,
  );
}
