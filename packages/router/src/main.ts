import { randomUUID } from "node:crypto";
import { type LinkState, topics, type WanpilotConfig } from "@wanpilot/common";
import { type Bus, EventOutbox, linkSlots, type ServiceFactory } from "@wanpilot/runtime";
import type { Logger } from "pino";
import { createRunner } from "./adapters/command.js";
import { createKernel } from "./adapters/kernel.js";
import {
  forget,
  livePid,
  pidPath,
  rememberSysctls,
  sysctlsPath,
  writePid,
} from "./adapters/runtime-files.js";
import { Controller } from "./controller.js";
import type { CountBudget } from "./core/count-budget.js";
import { keepConfigured } from "./core/overrides.js";
import { handleCommand, loadOverrides, saveOverrides } from "./operator.js";

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
  /** How often a count may run, by what the last one cost (default DEFAULT_COUNT_BUDGET; tests count at once). */
  countBudget?: CountBudget;
  /** Keep the operator's overrides in this file, so they survive restarts (`wanpilot router`). */
  overridesFile?: string;
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
  /** A new, validated config: the kernel is reconciled to it; overrides of links it keeps stay. */
  reload(config: WanpilotConfig): Promise<void>;
}

export const run = (async (opts: RunOptions): Promise<RouterHandle> => {
  let { config } = opts;
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
    slots: new Map(Object.entries(linkSlots(config, log))),
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
    ...(opts.countBudget === undefined ? {} : { countBudget: opts.countBudget }),
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
  const saveOverrides_ = (o: Parameters<typeof saveOverrides>[1]) => {
    if (opts.overridesFile !== undefined) saveOverrides(opts.overridesFile, o, log);
  };
  const initial =
    opts.overridesFile === undefined ? {} : keepConfigured(loadOverrides(opts.overridesFile, log), config);
  if (Object.keys(initial).length > 0) log.info({ overrides: initial }, "operator overrides in force");
  // The first reconcile reads the whole kernel.
  await controller.setOverrides(initial, "start");
  await bus.subscribe("linkState", topics.allLinkStates(gw), (state: LinkState) => {
    controller
      .onLinkState(state)
      ?.catch((err: unknown) => log.error({ err, link: state.link }, "reconcile failed"));
  });
  await bus.subscribe("linkState6", topics.allLinkStates6(gw), (state) => {
    controller
      .onLinkState6(state)
      ?.catch((err: unknown) => log.error({ err, link: state.link }, "reconcile failed"));
  });
  // Commands are handled one after the other, each answered once the kernel has it.
  let commands: Promise<unknown> = Promise.resolve();
  await bus.subscribe("linkCommand", topics.allLinkCommands(gw), (text, topic) => {
    const receivedMs = performance.now();
    commands = commands.then(async () => {
      const { op, timings } = await handleCommand({
        config,
        controller,
        topic: topic.path,
        text,
        now: () => new Date(),
        save: saveOverrides_,
      });
      // From the message's arrival to the answer being ready, and its parts (wait, plan, commands, file).
      const ms = timings && { ...timings, totalMs: performance.now() - receivedMs };
      log.info(
        { op, ms },
        op.result === "accepted" ? "operator command applied" : "operator command refused",
      );
      // State, then the answer, sent back to back: MQTT keeps one client's messages in order, so whoever
      // reads the answer finds the override in the router's state, with no round trip in between.
      // A refused command changed nothing: its answer alone (a flood of bad ones floods no reader with states).
      const state = op.result === "accepted" ? await controller.state(false) : null;
      const failed = (what: string) => (err: unknown) => log.warn({ err }, `publishing ${what} failed`);
      await Promise.all([
        state === null
          ? undefined
          : bus.publish("routerState", topics.routerState(gw), state).catch(failed("router state")),
        bus.publish("operations", topics.operations(gw), op).catch(failed("a command result")),
      ]);
    });
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
    async reload(next: WanpilotConfig) {
      config = next;
      const kept = keepConfigured(controller.currentOverrides, next);
      saveOverrides_(kept);
      // Slots are per link name: a reorder keeps every mark; an added link gets a free slot.
      const slots = new Map(Object.entries(linkSlots(next, log)));
      const result = await controller.setConfig(next, kept, "config reloaded", slots);
      log.info({ commands: result.commands.length, errors: result.errors.length }, "config reloaded");
      await publishState(true);
    },
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
