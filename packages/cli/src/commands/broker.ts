import { errorMessage, isWanpilotError, redactUrl } from "@wanpilot/common";
import { createLogger, loadConfigFile } from "@wanpilot/runtime";
import { startBroker } from "../broker/broker.js";
import { loadConfig } from "../config.js";
import { planReload } from "../core/reload-plan.js";
import { notifyReady } from "../notify.js";
import type { Output } from "../output.js";
import { onReload, waitForStop } from "../signals.js";

/** `wanpilot broker`: the embedded broker alone (for systemd units and compose services). */
export async function runBroker(out: Output, opts: { config?: string }): Promise<number> {
  const stopRequested = waitForStop();
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const { config } = loaded;
  if (config.bus.url !== undefined) {
    out.err(
      `bus.url is set (${redactUrl(config.bus.url)}): the parts use that broker, there is no embedded one to run`,
    );
    return 1;
  }
  const log = createLogger({ name: "wanpilot", level: config.log_level }).child({ component: "broker" });
  let broker: Awaited<ReturnType<typeof startBroker>>;
  try {
    broker = await startBroker({ config, log });
  } catch (err: unknown) {
    if (!isWanpilotError(err)) throw err;
    out.err(`wanpilot broker: ${errorMessage(err)}`);
    return 1;
  }
  try {
    await notifyReady();
  } catch (err: unknown) {
    // Under Type=notify systemd then times the start out and says so; the broker itself works.
    log.warn({ err }, "could not tell systemd the broker is ready");
  }
  // SIGHUP: the links' probers and the reader's password from the file again; refused whole when invalid.
  let current = config;
  onReload(() => {
    try {
      const next = loadConfigFile(loaded.path);
      const plan = planReload(current, next);
      if (!plan.ok) throw new Error(plan.reason);
      broker.reload(next);
      current = next;
      log.info({ summary: plan.summary }, "config reloaded");
    } catch (err: unknown) {
      log.error({ err }, `reload refused, nothing changed: ${errorMessage(err)}`);
    }
  });
  const reason = await stopRequested;
  log.info({ reason }, "stopping");
  await broker.close();
  return 0;
}
