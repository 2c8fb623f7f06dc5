import { createServer, type Server } from "node:http";
import {
  componentId,
  haDiscoveryMessages,
  splitHostPort,
  topics,
  type WanpilotConfig,
  WanpilotError,
} from "@wanpilot/common";
import type { Bus, Logger } from "@wanpilot/runtime";
import { emptySnapshot } from "../status/collect.js";
import { buildStatusView } from "../status/view.js";
import { WanpilotMetrics } from "./metrics.js";

export interface Observer {
  close(): Promise<void>;
}

/**
 * What the supervisor offers watchers: Home Assistant discovery (retained, republished on every connect)
 * and, when `metrics.listen` is set, Prometheus metrics at /metrics built from the bus's retained state.
 */
export async function startObserver(opts: {
  config: WanpilotConfig;
  bus: Bus;
  log: Logger;
}): Promise<Observer> {
  const { config, bus, log } = opts;
  bus.onConnect(async () => {
    for (const m of haDiscoveryMessages(config)) await bus.publish("haDiscovery", m.topic, m.payload);
  });
  const listen = config.metrics.listen;
  if (listen === undefined) return { close: async () => undefined };
  const snap = emptySnapshot();
  const gw = config.gateway;
  await bus.subscribe("linkState", topics.allLinkStates(gw), (s) => snap.links.set(s.link, s));
  await bus.subscribe("routerState", topics.routerState(gw), (s) => {
    snap.router = s;
  });
  await bus.subscribe("supervisorState", topics.supervisorState(gw), (s) => {
    snap.supervisor = s;
  });
  await bus.subscribe("availability", topics.allAvailability(gw), (a, topic) => {
    if (topic.component !== undefined) snap.availability.set(componentId(topic.component), a);
  });
  const metrics = new WanpilotMetrics();
  const server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end("see /metrics\n");
      return;
    }
    metrics.update(buildStatusView(config, snap));
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      (err: unknown) => {
        log.warn({ err }, "metrics failed");
        res.writeHead(500).end();
      },
    );
  });
  await listenOn(server, listen);
  log.info({ listen }, "metrics at /metrics");
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function listenOn(server: Server, listen: string): Promise<void> {
  const { host, port } = splitHostPort(listen);
  return new Promise((resolve, reject) => {
    server.once("error", (err) =>
      reject(
        new WanpilotError("LISTEN_FAILED", `cannot serve metrics on ${listen}: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    server.listen(port, host, () => resolve());
  });
}
