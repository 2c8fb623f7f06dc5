import type { ProbeTarget } from "@wanpilot/common";
import type { Logger } from "pino";
import { type PingEvent, parsePingLine } from "../core/ping-tracker.js";
import type { CommandPrefix } from "./command.js";
import { socketProbeFor } from "./socket-probes.js";
import { Supervised } from "./supervised.js";

/** Probes one target continuously from the link's current source address; reports raw probe events. */
export interface TargetProber {
  start(): void;
  /** The source address changed (or went away): rebind. */
  sourceChanged(): void;
  stop(): Promise<void>;
}

export interface TargetProberOptions {
  target: ProbeTarget;
  intervalMs: number;
  timeoutMs: number;
  source: () => string | null;
  prefix: CommandPrefix;
  now: () => number;
  onEvent: (e: PingEvent) => void;
  /** A new sequence starts at 1 (a new ping process). */
  onRestart: (atMs: number) => void;
  log: Logger;
}

export function createTargetProber(o: TargetProberOptions): TargetProber {
  return o.target.method === "icmp" ? icmpProber(o) : socketProber(o);
}

/** One long-running `ping` bound to the source address: no process per probe. */
function icmpProber(o: TargetProberOptions): TargetProber {
  const seconds = (o.intervalMs / 1000).toFixed(3);
  const ping = new Supervised({
    prefix: o.prefix,
    argv: () => {
      const source = o.source();
      if (source === null) return undefined;
      // -O: say so when a probe goes unanswered; -W only bounds the wait after the last probe.
      const wait = String(Math.max(1, Math.ceil(o.timeoutMs / 1000)));
      return ["ping", "-n", "-O", "-i", seconds, "-W", wait, "-I", source, o.target.host];
    },
    onLine: (line) => {
      const e = parsePingLine(line, o.now());
      if (e !== undefined) o.onEvent(e);
    },
    onStart: () => o.onRestart(o.now()),
    log: o.log,
    minBackoffMs: Math.max(200, o.intervalMs),
  });
  return { start: () => ping.start(), sourceChanged: () => ping.restart(), stop: () => ping.stop() };
}

/** tcp/http/dns: one socket per probe on the prober's own cadence, numbered like ping's sequence. */
function socketProber(o: TargetProberOptions): TargetProber {
  const probe = socketProbeFor(o.target.method);
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;
  let startMs = 0;
  const tick = () => {
    seq++;
    const source = o.source();
    const mySeq = seq;
    if (probe !== undefined && source !== null)
      void probe(o.target, source, o.timeoutMs).then((rtt) => {
        if (rtt !== null) o.onEvent({ kind: "reply", seq: mySeq & 0xffff, rttMs: rtt, atMs: o.now() });
      });
    // Scheduled from the start time, so the cadence does not drift.
    timer = setTimeout(tick, Math.max(0, startMs + seq * o.intervalMs - o.now()));
  };
  return {
    start() {
      seq = 0;
      startMs = o.now();
      o.onRestart(startMs);
      tick();
    },
    sourceChanged: () => undefined,
    async stop() {
      clearTimeout(timer);
    },
  };
}
