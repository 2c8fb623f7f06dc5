import { componentId, topics, type WanpilotConfig } from "@wanpilot/common";
import type { ServiceFactory, ServiceOptions } from "@wanpilot/runtime";
import { createApi } from "./adapters/api.js";
import { Commands } from "./adapters/commands.js";
import { History } from "./adapters/history.js";
import { startServer } from "./adapters/server.js";
import { loadAssets } from "./adapters/static.js";
import { emptyInputs, liveView } from "./core/live.js";

export interface WebExtra {
  /** Overrides `web.listen` (tests: port 0). */
  listen?: string;
  /** Where the bundle is (default: this package's dist/public). */
  publicDir?: string;
  now?: () => number;
}
export type WebOptions = ServiceOptions & WebExtra;

export interface WebService {
  readonly port: number;
  stop(): Promise<void>;
  reload(config: WanpilotConfig): Promise<void>;
}

/**
 * `wanpilot web`: the gateway's page. Live state from the bus pushed to open pages as it changes,
 * history from the logger's database (read-only), and the operator's actions sent as operator commands.
 */
export const run = (async (opts: WebOptions): Promise<WebService> => {
  const { bus } = opts;
  let config = opts.config;
  const log = opts.log.child({ component: "web" });
  const now = opts.now ?? Date.now;
  const gw = config.gateway;
  const inputs = emptyInputs();
  const assets = loadAssets(opts.publicDir);
  const history = new History(config.logger.database, log);
  const commands = new Commands(config);
  const view = () => liveView(config, inputs, now());
  const api = createApi({ config: () => config, history, commands, log, now });
  const serve = (listen: string) =>
    startServer({ listen, assets, routes: { api: api.api, snapshot: view }, log });
  let server = await serve(opts.listen ?? config.web.listen);
  // One push per burst of messages (a retained batch at connect arrives together), never a timed delay.
  let queued = false;
  const changed = () => {
    if (queued) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      server.broadcast("live", view());
    });
  };
  await bus.subscribe("availability", topics.allAvailability(gw), (a, topic) => {
    if (topic.component !== undefined) inputs.availability.set(componentId(topic.component), a);
    changed();
  });
  await bus.subscribe("linkState", topics.allLinkStates(gw), (s) => {
    inputs.links.set(s.link, s);
    changed();
  });
  await bus.subscribe("linkHealth", topics.allLinkHealth(gw), (h) => {
    inputs.health.set(h.link, h);
    changed();
  });
  await bus.subscribe("routerState", topics.routerState(gw), (r) => {
    inputs.router = r;
    changed();
  });
  await bus.subscribe("supervisorState", topics.supervisorState(gw), (s) => {
    inputs.supervisor = s;
    changed();
  });
  // Route changes and operator actions appear in the history: tell open pages to fetch it again.
  await bus.subscribe("routerEvent", topics.routerEvent(gw), () => server.broadcast("history", {}));
  await bus.subscribe("operations", topics.operations(gw), () => server.broadcast("history", {}));
  log.info({ listen: opts.listen ?? config.web.listen, port: server.port }, "web page running");
  return {
    get port() {
      return server.port;
    },
    async reload(next: WanpilotConfig) {
      const moved = opts.listen === undefined && next.web.listen !== config.web.listen;
      config = next;
      if (moved) {
        // Open pages reconnect by themselves (EventSource) once they are pointed at the new address.
        await server.close();
        server = await serve(next.web.listen);
        log.info({ listen: next.web.listen }, "web page moved");
      }
      commands.reconfigure(next);
      changed();
      log.info("web reloaded");
    },
    async stop() {
      await server.close();
      await commands.close().catch(() => undefined);
      history.close();
      log.info("web stopped");
    },
  };
}) satisfies ServiceFactory<WebExtra>;
