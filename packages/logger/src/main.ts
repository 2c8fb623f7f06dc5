import {
  type LinkHealth,
  type LinkState,
  type LinkTransition,
  type RouteChange,
  topics,
  type WanpilotConfig,
} from "@wanpilot/common";
import type { Bus, Logger } from "@wanpilot/runtime";
import { Store } from "./adapters/store.js";
import { acksFor } from "./core/ack.js";

export interface LoggerRunOptions {
  config: WanpilotConfig;
  log: Logger;
  bus: Bus;
  /** Wall clock (ms); injectable for tests. */
  now?: () => number;
  /** How long inbound events wait to be written together (one transaction, one ack). */
  batchDelayMs?: number;
  /** How often old health samples are pruned. */
  pruneEveryMs?: number;
}

export interface LoggerStats {
  transitionsStored: number;
  routeChangesStored: number;
  duplicates: number;
  healthStored: number;
  acksSent: number;
  writeFailures: number;
}

export interface LoggerService {
  stop(): Promise<void>;
  stats(): LoggerStats;
}

interface Pending {
  transitions: LinkTransition[];
  routeChanges: RouteChange[];
  health: LinkHealth[];
}

const HOUR_MS = 3_600_000;

/**
 * `wanpilot logger`: stores link transitions, route changes and downsampled health in SQLite and acks
 * each stored event id on `logger/ack` so publishers can drop it from their outbox. Throws
 * DATABASE_FAILED when the database cannot be opened.
 */
export async function run(opts: LoggerRunOptions): Promise<LoggerService> {
  const { config, bus } = opts;
  const log = opts.log.child({ component: "logger" });
  const now = opts.now ?? Date.now;
  const gw = config.gateway;
  const store = Store.open(config.logger.database, { healthEveryMs: config.logger.health_every, now });
  log.info({ database: store.path, schemaVersion: store.schemaVersion() }, "database open");
  const stats: LoggerStats = {
    transitionsStored: 0,
    routeChangesStored: 0,
    duplicates: 0,
    healthStored: 0,
    acksSent: 0,
    writeFailures: 0,
  };
  let pending: Pending = { transitions: [], routeChanges: [], health: [] };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const prune = (): void => {
    try {
      const removed = store.pruneHealth(now(), config.logger.health_retention);
      if (removed > 0) log.info({ removed }, "pruned old health samples");
    } catch (err: unknown) {
      log.error({ err }, "pruning health samples failed");
    }
  };

  /** Acks are not awaited: while the bus is away they queue, and an ack that never arrives only means a resend. */
  const publishAcks = (ids: string[]): void => {
    for (const ack of acksFor(ids, now()))
      bus.publish("loggerAck", topics.loggerAck(gw), ack).then(
        () => {
          stats.acksSent += 1;
        },
        (err: unknown) =>
          log.warn({ err, ids: ack.ids.length }, "ack not sent; the publishers will resend those events"),
      );
  };

  /** Writes the batch in one go, then acks every id in it. Unwritten events are not acked: they come back. */
  const flush = (): void => {
    timer = undefined;
    const batch = pending;
    pending = { transitions: [], routeChanges: [], health: [] };
    try {
      const newTransitions = store.insertTransitions(batch.transitions);
      const newRoutes = store.insertRouteChanges(batch.routeChanges);
      stats.healthStored += store.insertHealth(batch.health);
      stats.transitionsStored += newTransitions;
      stats.routeChangesStored += newRoutes;
      stats.duplicates += batch.transitions.length + batch.routeChanges.length - newTransitions - newRoutes;
      if (newTransitions > 0 || newRoutes > 0)
        log.debug({ transitions: newTransitions, routeChanges: newRoutes }, "events stored");
    } catch (err: unknown) {
      stats.writeFailures += 1;
      log.error({ err }, "storing events failed; they stay unacked and will be redelivered");
      return;
    }
    publishAcks([...batch.transitions.map((t) => t.id), ...batch.routeChanges.map((r) => r.id)]);
  };

  const enqueue = (add: (p: Pending) => void): void => {
    if (stopped) return;
    add(pending);
    timer ??= setTimeout(flush, opts.batchDelayMs ?? 25);
  };

  await bus.subscribe("linkEvent", topics.allLinkEvents(gw), (t) => enqueue((p) => p.transitions.push(t)));
  await bus.subscribe("routerEvent", topics.routerEvent(gw), (r) => enqueue((p) => p.routeChanges.push(r)));
  await bus.subscribe("linkHealth", topics.allLinkHealth(gw), (h) => enqueue((p) => p.health.push(h)));
  await bus.subscribe("linkState", topics.allLinkStates(gw), (s: LinkState) => {
    try {
      store.upsertLinkState(s);
    } catch (err: unknown) {
      log.error({ err, link: s.link }, "storing link state failed");
    }
  });
  prune();
  const pruneTimer = setInterval(prune, opts.pruneEveryMs ?? HOUR_MS);
  pruneTimer.unref();
  log.info({ gateway: gw }, "logger running");

  return {
    stats: () => ({ ...stats }),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(pruneTimer);
      if (timer !== undefined) clearTimeout(timer);
      flush();
      try {
        store.close();
      } catch (err: unknown) {
        log.warn({ err }, "closing the database failed");
      }
      log.info("logger stopped");
    },
  };
}
