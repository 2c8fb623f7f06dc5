import { HEALTH_INTERVAL_MS, isWanpilotError, type WanpilotConfig } from "@wanpilot/common";
import { busUrl, readUserPassword } from "@wanpilot/runtime";
import { loadConfig } from "../config.js";
import type { Output } from "../output.js";
import { collectRetained, watchBus } from "../status/collect.js";
import { formatStatus } from "../status/format.js";
import { buildStatusView, type StatusView, statusComplete } from "../status/view.js";

export interface StatusOptions {
  config?: string;
  json?: boolean;
  watch?: boolean;
}

/** Remote readers use the configured bus user; local ones read anonymously (the embedded broker allows loopback reads). */
function readerCredentials(config: WanpilotConfig): { username?: string; password?: string } {
  return readUserPassword(config.bus, "bus") ?? {};
}

function nothingOnline(view: StatusView): boolean {
  return Object.values(view.processes).every((p) => p.availability !== "online");
}

/** `wanpilot status [--json] [--watch]`: the live state from the bus's retained messages. */
export async function runStatus(out: Output, opts: StatusOptions): Promise<number> {
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const { config } = loaded;
  const url = busUrl(config);
  const render = (view: StatusView) => {
    if (opts.json) out.out(JSON.stringify(view));
    else out.out(`${opts.watch ? "\x1b[2J\x1b[H" : ""}${formatStatus(view, Date.now())}`);
  };
  try {
    if (opts.watch) return await watch(url, config, render);
    const view = buildStatusView(
      config,
      await collectRetained(url, config.gateway, {
        ...readerCredentials(config),
        complete: statusComplete(config),
        // A heartbeat comes every health interval; a silent prober's link shows its state's values.
        maxMs: HEALTH_INTERVAL_MS + 1000,
      }),
    );
    if (nothingOnline(view)) {
      if (opts.json) render(view);
      out.err(
        `wanpilot is not running on gateway ${config.gateway} (a broker answers at ${url}, but no part is online)`,
      );
      return 3;
    }
    render(view);
    return 0;
  } catch (err: unknown) {
    if (isWanpilotError(err, "NOT_RUNNING")) {
      out.err(err.message);
      return 3;
    }
    throw err;
  }
}

/** Re-renders on every change (at most 4 times a second) until SIGINT/SIGTERM. */
async function watch(url: string, config: WanpilotConfig, render: (v: StatusView) => void): Promise<number> {
  let dirty = true;
  const w = await watchBus(url, config.gateway, {
    ...readerCredentials(config),
    retry: true,
    onChange: () => (dirty = true),
  });
  const timer = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    render(buildStatusView(config, w.snapshot));
  }, 250);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  clearInterval(timer);
  await w.close();
  return 0;
}
