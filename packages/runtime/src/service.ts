import type { WanpilotConfig } from "@wanpilot/common";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Bus } from "./bus.js";

/** What every part (prober, router, logger) gets from whoever starts it: `wanpilot <part>`, the tests. */
export interface ServiceOptions {
  config: WanpilotConfig;
  /** The process's root logger; the part names itself with a child. */
  log: Logger;
  /** Connected as the part's component; the starter closes it after `stop()`. */
  bus: Bus;
  /** Where the part keeps the events the logger has not acknowledged yet (the logger has none). */
  outboxFile?: string;
  /** Where the router keeps the operator's overrides (the others ignore it). */
  overridesFile?: string;
  /** The part's metrics registry, published to the observer; the prober counts its probes in it. */
  metrics?: Registry;
  /** wanpilot's version (the observer announces it). */
  version?: string;
}

/** A running part. Stopping it leaves the kernel, the broker and the database as they are. */
export interface Service {
  stop(): Promise<void>;
  /** Takes a new, validated config in place (the router); parts without it are restarted when theirs changed. */
  reload?(config: WanpilotConfig): Promise<void>;
}

/**
 * A part's entry point, exported by its package as `run` and checked with
 * `export const run = (async (o: Options) => …) satisfies ServiceFactory<Extra>`: `Extra` is what the part
 * needs besides the common options (the prober's link).
 */
export type ServiceFactory<Extra extends object = object> = (
  opts: ServiceOptions & Extra,
) => Promise<Service>;
