import { type Component, componentId, errorMessage, isWanpilotError } from "@wanpilot/common";
import { type Bus, connectBus, createLogger } from "@wanpilot/runtime";
import { loadConfig } from "../config.js";
import type { Output } from "../output.js";
import { loadService, type ServiceHandle } from "../services.js";
import { waitForStop } from "../signals.js";

/** `wanpilot prober --link X`, `wanpilot router`, `wanpilot logger`: one part alone, until a signal. */
export async function runPart(
  out: Output,
  kind: "prober" | "router" | "logger",
  opts: { config?: string; link?: string },
): Promise<number> {
  const stopRequested = waitForStop();
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const { config } = loaded;
  let component: Component;
  if (kind === "prober") {
    const names = config.links.map((l) => l.name);
    if (opts.link === undefined || !names.includes(opts.link)) {
      out.err(`no link ${JSON.stringify(opts.link ?? "")} in ${loaded.path} (links: ${names.join(", ")})`);
      return 1;
    }
    component = { kind, link: opts.link };
  } else component = { kind };
  const id = componentId(component);
  const root = createLogger({ name: "wanpilot", level: config.log_level });
  // Services name themselves with their own child logger; this one is for the CLI's messages.
  const log = root.child({ component: id });
  let bus: Bus | undefined;
  let service: ServiceHandle | undefined;
  try {
    const run = await loadService(component);
    bus = await connectBus({ config, component, log });
    service = await run({ config, log: root, bus, ...(opts.link === undefined ? {} : { link: opts.link }) });
  } catch (err: unknown) {
    await bus?.close().catch(() => undefined);
    if (!isWanpilotError(err)) throw err;
    log.error({ err }, "cannot start");
    out.err(`wanpilot ${kind}: ${errorMessage(err)}`);
    return 1;
  }
  log.info({ pid: process.pid }, "started");
  const reason = await stopRequested;
  log.info({ reason }, "stopping");
  try {
    await service.stop();
  } finally {
    await bus.close();
  }
  log.info("stopped");
  return 0;
}
