import { type Component, componentId, type WanpilotConfig, WanpilotError } from "@wanpilot/common";
import type { Bus, Logger } from "@wanpilot/runtime";
import type { Registry } from "prom-client";

/** What every service package exports as `run` (the prober also gets its `link`). */
export interface ServiceHandle {
  stop(): Promise<void>;
}
export type ServiceRun = (opts: {
  config: WanpilotConfig;
  log: Logger;
  bus: Bus;
  link?: string;
  /** Where the prober and the router keep their unacknowledged events (the logger ignores it). */
  outboxFile?: string;
  /** The part's metrics registry (published to the observer); the prober counts its probes in it. */
  metrics?: Registry;
  /** wanpilot's version (the observer announces it). */
  version?: string;
}) => Promise<ServiceHandle>;

const PACKAGES: Record<Exclude<Component["kind"], "supervisor">, string> = {
  prober: "@wanpilot/prober",
  router: "@wanpilot/router",
  logger: "@wanpilot/logger",
  observer: "@wanpilot/observer",
};

/** Loads a service package's `run`; a package without one (not built yet) is a clear error. */
export async function loadService(component: Component): Promise<ServiceRun> {
  if (component.kind === "supervisor") throw new Error("the supervisor is not a service");
  const name = PACKAGES[component.kind];
  let mod: unknown;
  try {
    mod = await import(name);
  } catch (err: unknown) {
    throw new WanpilotError("USAGE", `cannot load ${name} for ${componentId(component)}: is it built?`, {
      cause: err,
    });
  }
  const run = (mod as { run?: unknown }).run;
  if (typeof run !== "function")
    throw new WanpilotError("USAGE", `${name} does not export run(): is it built?`, { details: { name } });
  return run as ServiceRun;
}
