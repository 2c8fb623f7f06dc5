import { randomUUID } from "node:crypto";
import { type LinkState, topics, type WanpilotConfig, WanpilotError } from "@wanpilot/common";
import { type Bus, EventOutbox, type ServiceFactory } from "@wanpilot/runtime";
import type { Logger } from "pino";
import { createRunner } from "./adapters/command.js";
import { createKernel, type Kernel } from "./adapters/kernel.js";
import {
  forget,
  livePid,
  pidPath,
  rememberedSysctls,
  rememberSysctls,
  sysctlsPath,
  writePid,
} from "./adapters/runtime-files.js";
import { linkSlots, slotsPath } from "./adapters/slots-file.js";
import { Controller } from "./controller.js";
import { computeDesired } from "./core/desired.js";
import { type ExplainQuery, type Explanation, explain } from "./core/explain.js";
import { planCleanup } from "./core/plan.js";
import { linkInput } from "./core/state.js";

export interface RunOptions {
  config: WanpilotConfig;
  log: Logger;
  /** Connected as the router; the caller closes it after `stop()`. */
  bus: Bus;
  /** Run every kernel command inside this network namespace (the lab's gateway); none in production. */
  netns?: string;
  /** Keep unacknowledged route changes in this file too, so a restarted router resends them (`wanpilot router`). */
  outboxFile?: string;
  /** Full re-read of the kernel (repairs what others changed) and connection counts. */
  resyncMs?: number;
  /** How often tracked connections are counted for the published state (default 5 s). */
  countMs?: number;
  /** A link whose prober sent no LinkHealth for this long is stale (default 3 health intervals). */
  staleAfterMs?: number;
}

const RESYNC_MS = 30_000;
const COUNT_MS = 5_000;
/** How often the router looks for probers that went silent (well within their stale bound). */
const STALE_CHECK_MS = 500;

/** `wanpilot router`: link states in, kernel routing out, router state and route changes published. */
export interface RouterHandle {
  stop(): Promise<void>;
  controller: Controller;
  /** Route changes published but not yet acknowledged by the logger. */
  pendingEvents(): number;
}

export const run = (async (opts: RunOptions): Promise<RouterHandle> => {
  const { config } = opts;
  const log = opts.log.child({ component: "router" });
  const gw = config.gateway;
  const { bus } = opts;
  const outbox = new EventOutbox({
    bus,
    gateway: gw,
    kind: "routerEvent",
    topic: topics.routerEvent(gw),
    log,
    ...(opts.outboxFile === undefined ? {} : { file: opts.outboxFile }),
  });
  const publishState = async (withConnections: boolean) => {
    const state = await controller.state(withConnections);
    if (state !== null)
      await bus
        .publish("routerState", topics.routerState(gw), state)
        .catch((err: unknown) => log.warn({ err }, "publishing router state failed"));
  };
  const controller = new Controller({
    config,
    log,
    slots: linkSlots(config, slotsPath(config), log),
    rememberSysctls: (originals) => {
      try {
        rememberSysctls(sysctlsPath(config), originals);
      } catch (err: unknown) {
        log.warn({ err }, "original sysctl values not saved: cleanup will leave them as set");
      }
    },
    kernel: createKernel(createRunner(), opts.netns),
    now: () => new Date(),
    newId: () => `router-${randomUUID()}`,
    ...(opts.staleAfterMs === undefined ? {} : { staleAfterMs: opts.staleAfterMs }),
    onChange: (e) => {
      outbox.add(e);
      void publishState(false);
    },
  });
  try {
    writePid(pidPath(config), process.pid);
  } catch (err: unknown) {
    log.warn({ err }, "router pid file not written: cleanup cannot tell the router runs");
  }
  await controller.reconcile("start", true);
  await bus.subscribe("linkState", topics.allLinkStates(gw), (state: LinkState) => {
    controller
      .onLinkState(state)
      ?.catch((err: unknown) => log.error({ err, link: state.link }, "reconcile failed"));
  });
  const checked = (p: Promise<unknown> | null) =>
    p?.catch((err: unknown) => log.error({ err }, "reconcile failed"));
  // LinkHealth is the probers' heartbeat; a prober that stopped sends none, so staleness is checked on a timer.
  await bus.subscribe(
    "linkHealth",
    topics.allLinkHealth(gw),
    (h) => void checked(controller.onHeartbeat(h.link)),
  );
  const staleTimer = setInterval(() => void checked(controller.checkStale()), STALE_CHECK_MS);
  // Back on the bus: the probers get a full bound to be heard again before their links turn stale.
  bus.onConnect(() => controller.expectHeartbeats());
  // After a (re)connect: the retained state first, then (the outbox's own handler) every unacknowledged change.
  bus.onConnect(() => publishState(true));
  await outbox.start();
  const timer = setInterval(() => {
    controller
      .reconcile("resync", true)
      .then(() => publishState(true))
      .catch((err: unknown) => log.error({ err }, "resync failed"));
  }, opts.resyncMs ?? RESYNC_MS);
  // `wanpilot status` shows each link's share of the tracked connections: keep the counts fresh.
  const counter = setInterval(() => void publishState(true), opts.countMs ?? COUNT_MS);
  let stopped = false;
  return {
    controller,
    pendingEvents: () => outbox.pending,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      clearInterval(counter);
      clearInterval(staleTimer);
      outbox.stop();
      if (livePid(pidPath(config)) === process.pid) forget(pidPath(config));
      // Routing stays as it is: the gateway keeps working without the router.
    },
  };
}) satisfies ServiceFactory;

/** `wanpilot cleanup`: removes every rule, route, nexthop and nft table wanpilot created; restores its sysctls. */
export async function cleanup(opts: {
  config: WanpilotConfig;
  log: Logger;
  netns?: string;
  kernel?: Kernel;
  /** Also when a router seems to run (its pid file names a live process). */
  force?: boolean;
}): Promise<{ commands: number; errors: unknown[] }> {
  const { config } = opts;
  const pid = livePid(pidPath(config));
  if (pid !== null && pid !== process.pid && opts.force !== true)
    throw new WanpilotError(
      "ROUTER_RUNNING",
      `the router is running (pid ${pid}, ${pidPath(config)}) and would put everything back: stop wanpilot first (or --force)`,
    );
  const kernel = opts.kernel ?? createKernel(createRunner(), opts.netns);
  const originals = rememberedSysctls(sysctlsPath(config));
  const cmds = planCleanup(await kernel.observe([]), originals);
  const result = await kernel.apply(cmds);
  for (const err of result.errors) opts.log.error({ err }, "cleanup command failed");
  if (result.errors.length === 0) forget(sysctlsPath(config));
  return { commands: cmds.length, errors: result.errors };
}

/** `wanpilot explain`: from the link states now (e.g. the retained ones on the bus). */
export function explainFromStates(
  config: WanpilotConfig,
  states: LinkState[],
  query: ExplainQuery,
): Explanation {
  // No kernel read here: learned values are taken as they are (explain changes nothing).
  const inputs = config.links.map((l) => {
    const state = states.find((s) => s.link === l.name);
    const local = state?.source ?? l.source;
    const seen =
      local === undefined || local === null
        ? []
        : [{ local, prefixLength: 32, peer: state?.gateway ?? null }];
    return linkInput(l, state, seen);
  });
  return explain(config, computeDesired(config, inputs, null), query);
}
