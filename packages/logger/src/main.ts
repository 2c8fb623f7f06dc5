import { ipv6History, type LinkState, topics, type WanpilotConfig } from "@wanpilot/common";
import type { Bus, Logger, ServiceFactory } from "@wanpilot/runtime";
import { Store } from "./adapters/store.js";
import { type LoggerStats, Recorder } from "./recorder.js";

export type { LoggerStats };

export interface LoggerRunOptions {
  config: WanpilotConfig;
  log: Logger;
  bus: Bus;
  /** Wall clock (ms); injectable for tests. */
  now?: () => number;
  /** How long inbound events wait to be written together (a transaction per kind), then acked at once. */
  batchDelayMs?: number;
  /** How often old health samples are pruned. */
  pruneEveryMs?: number;
}

export interface LoggerService {
  stop(): Promise<void>;
  stats(): LoggerStats;
}

const HOUR_MS = 3_600_000;

/**
 * `wanpilot logger`: stores link transitions, route changes and downsampled health in SQLite and acks
 * each stored event id on `logger/ack` so publishers can drop it from their outbox. Throws
 * DATABASE_FAILED when the database cannot be opened.
 */
export const run = (async (opts: LoggerRunOptions): Promise<LoggerService> => {
  const { config, bus } = opts;
  const log = opts.log.child({ component: "logger" });
  const now = opts.now ?? Date.now;
  const gateway = config.gateway;
  const store = Store.open(config.logger.database, {
    healthEveryMs: config.logger.health_every,
    now,
    onPermissionProblem: (problem) =>
      log.warn({ database: config.logger.database, problem }, "database permissions"),
  });
  log.info({ database: store.path, schemaVersion: store.schemaVersion() }, "database open");
  const recorder = new Recorder({ store, bus, gateway, log, now }, opts.batchDelayMs ?? 25);

  await bus.subscribe("linkEvent", topics.allLinkEvents(gateway), (t) =>
    recorder.add((b) => b.transitions.push(t)),
  );
  // A link's IPv6 history is kept as the link "<link>/ipv6": the report shows each family's availability.
  await bus.subscribe("linkEvent6", topics.allLinkEvents6(gateway), (t) =>
    recorder.add((b) => b.transitions.push({ ...t, link: ipv6History(t.link) })),
  );
  await bus.subscribe("routerEvent", topics.routerEvent(gateway), (r) =>
    recorder.add((b) => b.routeChanges.push(r)),
  );
  await bus.subscribe("linkHealth", topics.allLinkHealth(gateway), (h) =>
    recorder.add((b) => b.health.push(h)),
  );
  await bus.subscribe("linkState", topics.allLinkStates(gateway), (s: LinkState) => {
    try {
      store.upsertLinkState(s);
    } catch (err: unknown) {
      log.error({ err, link: s.link }, "storing link state failed");
    }
  });
  // The audit trail: every command and reload, as published on `operations`.
  await bus.subscribe("operations", topics.operations(gateway), (op) => {
    try {
      store.insertOperation(op);
    } catch (err: unknown) {
      log.error({ err, operation: op.id }, "storing an operation failed");
    }
  });
  const prune = (): void => {
    try {
      const removed = store.pruneHealth(now(), config.logger.health_retention);
      if (removed > 0) log.info({ removed }, "pruned old health samples");
    } catch (err: unknown) {
      log.error({ err }, "pruning health samples failed");
    }
  };
  // Subscribed to everything: the parts resend their unacknowledged events on this "online".
  await bus.announce();
  prune();
  const pruneTimer = setInterval(prune, opts.pruneEveryMs ?? HOUR_MS);
  pruneTimer.unref();
  log.info({ gateway }, "logger running");

  let stopped = false;
  return {
    stats: () => ({ ...recorder.stats }),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(pruneTimer);
      recorder.close();
      store.close();
      log.info("logger stopped");
    },
  };
}) satisfies ServiceFactory;
