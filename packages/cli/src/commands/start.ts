import { rmSync, writeFileSync } from "node:fs";
import {
  errorMessage,
  isWanpilotError,
  type Operation,
  type SupervisorState,
  topics,
} from "@wanpilot/common";
import { type Bus, connectBus, createLogger, type Logger, writeConfigSnapshot } from "@wanpilot/runtime";
import { type RunningBroker, startBroker } from "../broker/broker.js";
import { loadConfig } from "../config.js";
import type { Output } from "../output.js";
import { BIN_PATH } from "../paths.js";
import { onReload, waitForStop } from "../signals.js";
import { childSpecs, pidPath } from "../supervisor/children.js";
import { ReloadCoordinator } from "../supervisor/reload.js";
import { Supervisor } from "../supervisor/supervisor.js";

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

/** The supervisor's state, kept until the bus is there and published on it then, on each change and reconnect. */
function publisher(gateway: string, log: Logger) {
  let latest: SupervisorState | undefined;
  let bus: Bus | undefined;
  const publish = () => {
    if (latest === undefined || bus === undefined || !bus.connected) return;
    bus.publish("supervisorState", topics.supervisorState(gateway), latest).catch((err: unknown) => {
      log.warn({ err }, "cannot publish supervisor state");
    });
  };
  return {
    attach(b: Bus) {
      bus = b;
      b.onConnect(publish);
    },
    onChange(state: SupervisorState) {
      latest = state;
      publish();
    },
  };
}

/** `wanpilot start`: broker (unless bus.url), one prober per link, router, logger and observer, until a signal. */
export async function runStart(out: Output, opts: { config?: string }): Promise<number> {
  const stopRequested = waitForStop();
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const { config, path } = loaded;
  const log = createLogger({ name: "wanpilot", level: config.log_level }).child({ component: "supervisor" });
  let broker: RunningBroker | undefined;
  let snapshot: string;
  try {
    if (config.bus.url === undefined) broker = await startBroker({ config, log });
    // Every part reads this copy, so an edit of the file changes nothing until a reload validates it.
    snapshot = writeConfigSnapshot(config.runtime_dir, loaded.text);
  } catch (err: unknown) {
    await broker?.close();
    if (!isWanpilotError(err)) throw err;
    out.err(`wanpilot start: ${errorMessage(err)}`);
    return 1;
  }
  const state = publisher(config.gateway, log);
  const supervisor = new Supervisor({
    specs: childSpecs(config),
    binPath: BIN_PATH,
    configPath: snapshot,
    log,
    onChange: (s) => state.onChange(s),
  });
  // The parts first: each takes a while to load and connect, the supervisor's own connection need not go before.
  supervisor.start();
  let bus: Bus;
  try {
    bus = await connectBus({ config, component: { kind: "supervisor" }, log });
  } catch (err: unknown) {
    await supervisor.stop();
    await broker?.close();
    if (!isWanpilotError(err)) throw err;
    out.err(`wanpilot start: ${errorMessage(err)}`);
    return 1;
  }
  state.attach(bus);
  // LinkHealth is the probers' heartbeat; a prober that stops sending it is killed and restarted.
  await bus
    .subscribe("linkHealth", topics.allLinkHealth(config.gateway), (h) =>
      supervisor.heartbeat(`prober/${h.link}`),
    )
    .catch((err: unknown) => log.warn({ err }, "cannot watch the probers' heartbeats"));
  const b = bus;
  const reloads = new ReloadCoordinator(config, {
    path,
    supervisor,
    parts: broker === undefined ? [] : [broker],
    log,
    publish: (op: Operation) => {
      b.publish("operations", topics.operations(config.gateway), op).catch((err: unknown) => {
        log.warn({ err }, "cannot publish the reload's result");
      });
    },
  });
  onReload(() => void reloads.reload("signal"));
  // `wanpilot reload` signals this process.
  writeFileSync(pidPath(config.runtime_dir), `${process.pid}\n`, { mode: 0o644 });
  log.info({ config: path, snapshot, children: childSpecs(config).map((c) => c.name) }, "started");
  const reason = await stopRequested;
  log.info({ reason }, "stopping");
  rmSync(pidPath(config.runtime_dir), { force: true });
  await supervisor.stop();
  await bus.close();
  // Let the broker deliver the children's last wills and our offline before it goes away.
  if (broker !== undefined) {
    const b = broker;
    await until(() => b.componentClients === 0, 1000);
    // Closing drops every connection at once: give deliveries in flight (those offlines) a moment.
    await new Promise((r) => setTimeout(r, 100));
    await b.close();
  }
  log.info("stopped");
  return 0;
}
