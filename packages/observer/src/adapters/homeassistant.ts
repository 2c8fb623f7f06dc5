import {
  type HaDiscovery,
  type HaGatewayView,
  type HaLinkView,
  haDiscoveryWildcard,
  isHaDiscoveryTopicOf,
  type Topic,
  topics,
  type WanpilotConfig,
} from "@wanpilot/common";
import type { Bus } from "@wanpilot/runtime";
import type { Logger } from "pino";
import { haGatewayView, haLinkView, shouldPublishLink } from "../core/ha-view.js";
import type { ObserverState } from "../core/state.js";

/** How long the observer listens for retained discovery configs before clearing those it no longer announces. */
const LEFTOVER_QUIET_MS = 500;

/** Home Assistant's side of the observer: discovery configs and the rate-limited state views. */
export class HaPublisher {
  #links = new Map<string, { view: HaLinkView; atMs: number }>();
  #gateway: string | undefined;
  #busy = false;
  #again = false;

  constructor(
    private o: {
      config: WanpilotConfig;
      bus: Bus;
      log: Logger;
      state: ObserverState;
      discovery: Array<{ topic: Topic<"haDiscovery">; payload: HaDiscovery }>;
      now: () => number;
    },
  ) {}

  /** A reloaded config: its discovery configs (and views) from the next announce on. */
  reconfigure(
    config: WanpilotConfig,
    discovery: Array<{ topic: Topic<"haDiscovery">; payload: HaDiscovery }>,
  ): void {
    this.o.config = config;
    this.o.discovery = discovery;
  }

  /** After every (re)connect: configs (or their removal), leftovers cleared, every view republished. */
  async announce(): Promise<void> {
    const { config, bus, log } = this.o;
    const prefix = config.homeassistant.prefix;
    const wanted = new Set<string>(
      config.homeassistant.discovery ? this.o.discovery.map((m) => m.topic) : [],
    );
    if (config.homeassistant.discovery)
      for (const m of this.o.discovery) await bus.publish("haDiscovery", m.topic, m.payload);
    const retained = await bus.retainedTopics(haDiscoveryWildcard(prefix), LEFTOVER_QUIET_MS);
    for (const topic of retained.filter(
      (t) => isHaDiscoveryTopicOf(t, prefix, config.gateway) && !wanted.has(t),
    )) {
      log.info({ topic }, "clearing a discovery config wanpilot no longer announces");
      await bus.clearRetained("haDiscovery", topic);
    }
    this.#links.clear();
    this.#gateway = undefined;
    this.update();
  }

  /** Publishes the views that changed enough (called on every input and on a timer). */
  update(): void {
    if (this.#busy) {
      this.#again = true;
      return;
    }
    if (!this.o.bus.connected) return;
    const { config, bus, state, log } = this.o;
    const online = (id: string) => state.availability.get(id) === "online";
    const now = this.o.now();
    const views = config.links.map((l) =>
      haLinkView({
        config: l,
        state: state.links.get(l.name),
        health: state.health.get(l.name),
        router: state.router,
        state6: state.links6?.get(l.name),
        health6: state.health6?.get(l.name),
        proberOnline: online(`prober/${l.name}`),
        routerOnline: online("router"),
      }),
    );
    const sends: Array<Promise<void>> = [];
    for (const view of views) {
      if (!shouldPublishLink(this.#links.get(view.link), view, now)) continue;
      this.#links.set(view.link, { view, atMs: now });
      sends.push(bus.publish("haLink", topics.haLink(config.gateway, view.link), view));
    }
    const gw: HaGatewayView = haGatewayView(views, state.router, online("router"));
    const gwJson = JSON.stringify(gw);
    if (gwJson !== this.#gateway) {
      this.#gateway = gwJson;
      sends.push(bus.publish("haGateway", topics.haGateway(config.gateway), gw));
    }
    if (sends.length === 0) return;
    this.#busy = true;
    Promise.all(sends)
      .catch((err: unknown) => log.warn({ err }, "publishing Home Assistant state failed"))
      .finally(() => {
        this.#busy = false;
        if (this.#again) {
          this.#again = false;
          this.update();
        }
      });
  }
}
