import { join } from "node:path";
import { componentId, errorMessage, isWanpilotError, type WanpilotConfig } from "@wanpilot/common";
import {
  type Bus,
  connectBus,
  createLogger,
  createPartRegistry,
  type Logger,
  loadConfigFile,
  outboxPath,
  publishPartMetrics,
  type Service,
} from "@wanpilot/runtime";
import { loadConfig } from "../config.js";
import type { PartKind } from "../core/part-argv.js";
import { partView } from "../core/reload-plan.js";
import type { Output } from "../output.js";
import type { LoadService, PartComponent } from "../services.js";
import { onReload, waitForStop } from "../signals.js";
import { VERSION } from "../version.js";

interface Running {
  bus: Bus;
  service: Service;
  stopMetrics: () => void;
}

/** Connects as the component and starts its service; closes the bus again if the service fails to start. */
async function startUp(opts: {
  config: Parameters<typeof connectBus>[0]["config"];
  component: PartComponent;
  root: Logger;
  log: Logger;
  load: LoadService;
}): Promise<Running> {
  const { config, component, root, log } = opts;
  const run = await opts.load(component);
  const bus = await connectBus({ config, component, log });
  try {
    // Events the logger has not stored survive a restart of the part (the logger ignores those it has).
    const outboxFile = outboxPath(config.runtime_dir, component);
    const overridesFile = join(config.runtime_dir, "overrides.json");
    // Every part's own metrics (its process; the prober's probes) reach Prometheus through the observer.
    const metrics = createPartRegistry();
    const service = await run({
      config,
      log: root,
      bus,
      outboxFile,
      overridesFile,
      metrics,
      version: VERSION,
    });
    const stopMetrics = publishPartMetrics({ bus, config, component, registry: metrics, log });
    return { bus, service, stopMetrics };
  } catch (err: unknown) {
    await bus.close().catch(() => undefined);
    throw err;
  }
}

const STOP_DEADLINE_MS = 2000;

/** True when `work` finishes within `ms`, false when it is still pending then; rejects when `work` does. */
async function finishesWithin(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function shutDown({ bus, service, stopMetrics }: Running, log: Logger): Promise<void> {
  stopMetrics();
  const stopped = async () => {
    try {
      await service.stop();
    } finally {
      await bus.close();
    }
  };
  // With the broker gone (its supervisor killed), closing the bus can wait for a reconnect that never
  // comes: give up after a bound so the process still ends (the bin exits once main returns).
  if (await finishesWithin(stopped(), STOP_DEADLINE_MS)) log.info("stopped");
  else log.warn({ deadlineMs: STOP_DEADLINE_MS }, "stop did not finish in time, exiting anyway");
}

function componentFor(kind: PartKind, link: string | undefined, links: string[]): PartComponent | string {
  if (kind !== "prober") return { kind };
  if (link === undefined || !links.includes(link))
    return `no link ${JSON.stringify(link ?? "")} in the config (links: ${links.join(", ")})`;
  return { kind, link };
}

/**
 * `wanpilot prober --link X`, `router`, `logger`, `observer`, `web`: one part alone, until a signal.
 * `load` gives the part's service: the command line imports its package when it runs (services.ts), a
 * part's bundle has it built in (bundle/).
 */
export async function runPart(
  out: Output,
  kind: PartKind,
  opts: { config?: string; link?: string },
  load: LoadService,
): Promise<number> {
  const stopRequested = waitForStop();
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const { config } = loaded;
  const component = componentFor(
    kind,
    opts.link,
    config.links.map((l) => l.name),
  );
  if (typeof component === "string") {
    out.err(component.replace("the config", loaded.path));
    return 1;
  }
  const root = createLogger({ name: "wanpilot", level: config.log_level });
  // Services name themselves with their own child logger; this one is for the CLI's messages.
  const log = root.child({ component: componentId(component) });
  let running: Running | string;
  try {
    // A stop during start-up (e.g. the supervisor died while we waited for its broker) ends it at once.
    running = await Promise.race([startUp({ config, component, root, log, load }), stopRequested]);
  } catch (err: unknown) {
    if (!isWanpilotError(err)) throw err;
    log.error({ err }, "cannot start");
    out.err(`wanpilot ${kind}: ${errorMessage(err)}`);
    return 1;
  }
  if (typeof running === "string") {
    log.info({ reason: running }, "stop requested during start-up");
    return 0;
  }
  log.info({ pid: process.pid }, "started");
  let current: Running = running;
  let currentConfig = config;
  let reloading: Promise<void> = Promise.resolve();
  onReload(() => {
    reloading = reloading.then(async () => {
      const next = readForReload(loaded.path, log);
      if (next === undefined) return;
      try {
        current = await reloadPart({
          running: current,
          before: currentConfig,
          next,
          component,
          root,
          log,
          load,
        });
        currentConfig = next;
      } catch (err: unknown) {
        // Half stopped: let the supervisor (or systemd) start the part afresh with the new config.
        log.error({ err }, "reload failed, exiting");
        process.exit(1);
      }
    });
  });
  log.info({ reason: await stopRequested }, "stopping");
  await reloading.catch(() => undefined);
  await shutDown(current, log);
  return 0;
}

/**
 * A part's reload: the router takes the new config in place; a prober or the logger whose settings
 * changed is restarted inside this process; any other part is left alone.
 */
async function reloadPart(o: {
  running: Running;
  before: WanpilotConfig;
  next: WanpilotConfig;
  component: PartComponent;
  root: Logger;
  log: Logger;
  load: LoadService;
}): Promise<Running> {
  const { component, log } = o;
  const link = component.kind === "prober" ? component.link : undefined;
  const kind = component.kind as PartKind;
  const after = partView(kind, link, o.next);
  if (after === "") {
    log.warn({ link }, "reload: this link is gone from the config; the prober goes on until stopped");
    return o.running;
  }
  if (o.running.service.reload !== undefined) {
    await o.running.service.reload(o.next);
    return o.running;
  }
  if (partView(kind, link, o.before) === after) {
    log.info("reload: nothing of this part changed");
    return o.running;
  }
  log.info("reload: settings changed, restarting the part in place");
  await shutDown(o.running, log);
  return await startUp({ config: o.next, component, root: o.root, log, load: o.load });
}

/** The config file for a reload, or undefined (logged, one line) when it is not valid: nothing changes. */
function readForReload(path: string, log: Logger): WanpilotConfig | undefined {
  try {
    return loadConfigFile(path);
  } catch (err: unknown) {
    if (!isWanpilotError(err)) throw err;
    const problems = err.details.problems;
    const first = Array.isArray(problems) && problems.length > 0 ? String(problems[0]) : err.message;
    log.error({ path, problems }, `reload refused, nothing changed: ${first}`);
    return undefined;
  }
}
