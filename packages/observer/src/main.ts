import { componentId, haDiscoveryMessages, topics, type WanpilotConfig } from "@wanpilot/common";
import type { ServiceFactory, ServiceOptions } from "@wanpilot/runtime";
import { HaPublisher } from "./adapters/homeassistant.js";
import { type MetricsServer, serveMetrics } from "./adapters/http.js";
import { renderExposition, withPart } from "./core/exposition.js";
import { wanpilotFamilies } from "./core/metrics.js";
import { countRouteChange, countTransition, emptyState, freshParts } from "./core/state.js";

export interface ObserverExtra {
  /** Overrides `metrics.listen` (tests: port 0). */
  metricsListen?: string;
  now?: () => number;
}
export type ObserverOptions = ServiceOptions & ObserverExtra;

export interface ObserverService {
  stop(): Promise<void>;
  /** A reloaded config: discovery republished (a removed link's configs cleared), metrics by the new links. */
  reload(config: WanpilotConfig): Promise<void>;
  /** The bound /metrics port, when metrics are served. */
  metricsPort: number | undefined;
}

/** Views are re-evaluated this often besides on every input (numbers held back by the rate limit). */
const TICK_MS = 5_000;

/**
 * `wanpilot observer`: everything watchers need, from the bus alone. Home Assistant discovery with
 * rate-limited state views, and (with `metrics.listen`) Prometheus metrics at /metrics.
 */
export const run = (async (opts: ObserverOptions): Promise<ObserverService> => {
  const { bus } = opts;
  let config = opts.config;
  const version = opts.version ?? "unknown";
  const log = opts.log.child({ component: "observer" });
  const now = opts.now ?? Date.now;
  const gw = config.gateway;
  const state = emptyState();
  const ha = new HaPublisher({
    config,
    bus,
    log,
    state,
    discovery: haDiscoveryMessages({ config, version }),
    now,
  });
  const changed = () => ha.update();
  await bus.subscribe("availability", topics.allAvailability(gw), (a, topic) => {
    if (topic.component !== undefined) state.availability.set(componentId(topic.component), a);
    changed();
  });
  await bus.subscribe("linkState", topics.allLinkStates(gw), (s) => {
    state.links.set(s.link, s);
    changed();
  });
  await bus.subscribe("linkState6", topics.allLinkStates6(gw), (s) => {
    state.links6 = new Map(state.links6).set(s.link, s);
    changed();
  });
  await bus.subscribe("linkHealth", topics.allLinkHealth(gw), (h) => {
    state.health.set(h.link, h);
    changed();
  });
  await bus.subscribe("linkHealth6", topics.allLinkHealth6(gw), (h) => {
    state.health6 = new Map(state.health6).set(h.link, h);
    changed();
  });
  await bus.subscribe("routerState", topics.routerState(gw), (r) => {
    state.router = r;
    changed();
  });
  await bus.subscribe("supervisorState", topics.supervisorState(gw), (s) => {
    state.supervisor = s;
  });
  await bus.subscribe("linkEvent", topics.allLinkEvents(gw), (t) => countTransition(state.counters, t));
  await bus.subscribe("routerEvent", topics.routerEvent(gw), (r) => countRouteChange(state.counters, r));
  await bus.subscribe("partMetrics", topics.allPartMetrics(gw), (m, topic) => {
    if (topic.component !== undefined)
      state.parts.set(componentId(topic.component), { metrics: m, receivedAtMs: now() });
  });
  bus.onConnect(() =>
    ha.announce().catch((err: unknown) => log.warn({ err }, "announcing to Home Assistant failed")),
  );
  const tick = setInterval(changed, TICK_MS);
  tick.unref();

  const listen = opts.metricsListen ?? config.metrics.listen;
  let server: MetricsServer | undefined;
  if (listen !== undefined) {
    const build = { version, nodeVersion: process.version };
    server = await serveMetrics(
      listen,
      () =>
        renderExposition([
          ...wanpilotFamilies(config, state, build, now()),
          ...freshParts(state, now()).flatMap(([part, m]) => withPart(m.families, part)),
        ]),
      log,
    );
    log.info({ listen, port: server.port }, "metrics at /metrics");
  }
  log.info({ gateway: gw, discovery: config.homeassistant.discovery }, "observer running");
  return {
    metricsPort: server?.port,
    async reload(next: WanpilotConfig) {
      config = next;
      ha.reconfigure(next, haDiscoveryMessages({ config: next, version }));
      if (bus.connected) await ha.announce();
      log.info("observer reloaded");
    },
    async stop() {
      clearInterval(tick);
      await server?.close();
      log.info("observer stopped");
    },
  };
}) satisfies ServiceFactory<ObserverExtra>;
