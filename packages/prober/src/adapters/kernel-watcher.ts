import type { Logger } from "pino";
import {
  carrierLossFromMonitorLine,
  type KernelFacts,
  kernelFacts,
  monitorLineConcerns,
  type PathSpec,
} from "../core/kernel.js";
import { kernelOk } from "../core/machine.js";
import { type CommandPrefix, ipJson } from "./command.js";
import { Supervised } from "./supervised.js";

export interface KernelWatcher {
  start(onFacts: (facts: KernelFacts) => void): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Follows one interface: `ip monitor link address route rule` says when something changed, `ip -json`
 * then reads the interface's link, IPv4 addresses and routes (every table), and the rules (is the link's
 * path there?). A slow poll (30 s) covers a missed event; it is slow because each read costs four `ip` processes.
 */
export function ipKernelWatcher(opts: {
  prefix: CommandPrefix;
  interface: string;
  configured: { source?: string; gateway?: string };
  /** Tables whose routes were written by wanpilot itself, never learned from. */
  ownTables: readonly number[];
  /** The router's path the probes need (its table and mark rule). */
  path: PathSpec;
  log: Logger;
  pollMs?: number;
  /** Which family's addresses and routes to read (default 4). */
  family?: 4 | 6;
}): KernelWatcher {
  const family = opts.family ?? 4;
  const dev = opts.interface;
  let onFacts: (f: KernelFacts) => void = () => undefined;
  let poll: NodeJS.Timeout | undefined;
  let reading: Promise<void> | undefined;
  let again = false;
  let last: KernelFacts | undefined;

  const read = async (): Promise<void> => {
    try {
      const [link, addr, routes, rules] = await Promise.all([
        ipJson(opts.prefix, ["link", "show", "dev", dev]),
        ipJson(opts.prefix, [`-${family}`, "addr", "show", "dev", dev]),
        ipJson(opts.prefix, [`-${family}`, "route", "show", "table", "all", "dev", dev]),
        ipJson(opts.prefix, [`-${family}`, "rule", "show"]),
      ]);
      last = kernelFacts(
        link === undefined ? undefined : { link, addr, routes, rules },
        opts.configured,
        opts.ownTables,
        opts.path,
        family,
      );
      onFacts(last);
    } catch (err: unknown) {
      // The device can vanish between two reads; the next event or poll reads it again.
      opts.log.warn({ err, interface: dev }, "reading the interface failed");
    }
  };
  // Coalesce bursts of events (an address change brings several lines) into back-to-back reads.
  const refresh = (): void => {
    if (reading !== undefined) {
      again = true;
      return;
    }
    reading = read().finally(() => {
      reading = undefined;
      if (again) {
        again = false;
        refresh();
      }
    });
  };
  const monitor = new Supervised({
    prefix: opts.prefix,
    argv: () => ["ip", "-N", "monitor", "link", "address", "route", "rule"],
    onLine: (line) => {
      // Carrier loss is acted on from the line itself (no process to spawn first); the read confirms.
      const lost = carrierLossFromMonitorLine(line, dev);
      if (lost !== undefined && last !== undefined && kernelOk(last.view)) {
        last = {
          ...last,
          view:
            lost === "gone"
              ? { present: false, carrier: false, source: null }
              : { ...last.view, carrier: false },
        };
        onFacts(last);
      }
      if (monitorLineConcerns(line, dev, opts.path.table)) refresh();
    },
    onStart: () => refresh(),
    log: opts.log,
  });
  return {
    async start(handler) {
      onFacts = handler;
      // Every read goes through refresh: two at once could deliver the older one last (a path seen
      // missing after it appeared, until the next event or poll).
      monitor.start();
      refresh();
      await reading;
      poll = setInterval(refresh, opts.pollMs ?? 30_000);
    },
    async stop() {
      clearInterval(poll);
      await monitor.stop();
      await reading;
    },
  };
}
