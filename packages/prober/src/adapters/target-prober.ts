import type { ProbeTarget } from "@wanpilot/common";
import type { Logger } from "pino";
import { type ProbeOutcome, socketOutcome } from "../core/params.js";
import { type PingEvent, parsePingLine } from "../core/ping-tracker.js";
import type { CommandPrefix } from "./command.js";
import { type SocketProbe, socketProbeFor } from "./socket-probes.js";
import { Supervised } from "./supervised.js";

/**
 * Probes one target continuously through the link (its mark and device, or its ports). ICMP reports ping's
 * raw lines (the ping tracker turns them into outcomes); socket probes know each probe's fate themselves and
 * report outcomes directly.
 */
export interface TargetProber {
  start(): void;
  /** The source address changed (or went away): rebind. */
  sourceChanged(): void;
  /** The link's path appeared (true: ping starts now) or went away (false: ping stops until it is back). */
  pathChanged(ready: boolean): void;
  /** Probe at another interval from now on: a new sequence (onRestart) at the new cadence. */
  retime(intervalMs: number): void;
  stop(): Promise<void>;
}

export interface TargetProberOptions {
  target: ProbeTarget;
  intervalMs: number;
  timeoutMs: number;
  source: () => string | null;
  /**
   * The router's path for the link (its table and mark rule) is there. Without it a device-bound ping's
   * echoes count as on-link (the kernel's fallback), wait for ARP answers that never come and fill the
   * socket's buffer: ping stays stuck seconds after the path appears. So ICMP waits for it (`pathReady`).
   */
  path: () => boolean;
  /** What tells this link apart from others with the same address: ICMP probes carry the mark and are bound to the device. */
  identity: { mark: number; interface: string };
  /** The link's local ports for socket probes (shared by its targets); null when all are in use. */
  ports: { take(): number | null; release(port: number): void };
  prefix: CommandPrefix;
  /** 6: `ping -6` (a name resolves to its IPv6 address); the source passed to socket probes is IPv6. */
  ipFamily?: 4 | 6;
  now: () => number;
  /** The target's key in the decision core (outcomes carry it). */
  key: string;
  /** ICMP: one parsed ping line. */
  onEvent: (e: PingEvent) => void;
  /** ICMP: a new sequence starts at 1 (a new ping process). */
  onRestart: (atMs: number) => void;
  /** tcp/http/dns: a probe's outcome, as soon as it is known (a refusal at once, a silence at the timeout). */
  onOutcome: (o: ProbeOutcome) => void;
  /** The socket probe to run; by the target's method unless given (tests). */
  socketProbe?: SocketProbe;
  log: Logger;
}

export function createTargetProber(o: TargetProberOptions): TargetProber {
  return o.target.method === "icmp" ? icmpProber(o) : socketProber(o);
}

/**
 * One long-running `ping` per target: no process per probe. `-m <mark>` routes it by the link's
 * `ip rule fwmark` (its own table, even out of the default route); `-I <device>` keeps it from leaving by
 * another WAN when that table has no route. The source address cannot tell two look-alike links apart.
 */
function icmpProber(o: TargetProberOptions): TargetProber {
  let intervalMs = o.intervalMs;
  const ping = new Supervised({
    prefix: o.prefix,
    argv: () => {
      const source = o.source();
      // -O: say so when a probe goes unanswered; -W only bounds the wait after the last probe.
      const wait = String(Math.max(1, Math.ceil(o.timeoutMs / 1000)));
      // The address is not used, but without one the link cannot answer: wait for it (back-off), and
      // for the path (pathReady starts it at once).
      if (source === null || !o.path()) return undefined;
      const { mark, interface: dev } = o.identity;
      const seconds = (intervalMs / 1000).toFixed(3);
      const family = o.ipFamily === 6 ? ["-6"] : [];
      // -D: each line stamped when ping printed it; its RTT is from the kernel's receive timestamp (no -U).
      const argv = [
        "ping",
        ...family,
        "-n",
        "-D",
        "-O",
        "-i",
        seconds,
        "-W",
        wait,
        "-m",
        String(mark),
        "-I",
        dev,
      ];
      return [...argv, o.target.host];
    },
    onLine: (line) => {
      const readAtMs = o.now();
      const wallMs = Date.now();
      const e = parsePingLine(line, readAtMs, (epochMs) => readAtMs - (wallMs - epochMs));
      if (e !== undefined) o.onEvent(e);
    },
    onStart: () => o.onRestart(o.now()),
    log: o.log,
    minBackoffMs: Math.max(200, o.intervalMs),
  });
  return {
    start: () => ping.start(),
    sourceChanged: () => ping.restart(),
    pathChanged: (ready) => (ready ? ping.retryNow() : ping.restart()),
    retime(ms) {
      intervalMs = ms;
      ping.restart();
    },
    stop: () => ping.stop(),
  };
}

/** tcp/http/dns: one socket per probe on the prober's own cadence; each outcome is reported when it is known. */
function socketProber(o: TargetProberOptions): TargetProber {
  const probe = o.socketProbe ?? socketProbeFor(o.target.method);
  let timer: NodeJS.Timeout | undefined;
  let sent = 0;
  let startMs = 0;
  let stopped = false;
  let intervalMs = o.intervalMs;
  const tick = () => {
    sent++;
    const sentAtMs = o.now();
    const report = (rttMs: number | null) => {
      if (!stopped) o.onOutcome(socketOutcome(o.key, sentAtMs, rttMs, o.timeoutMs));
    };
    const source = o.source();
    const port = probe !== undefined && source !== null ? o.ports.take() : null;
    // No address, or no free port (more probes in flight than the config check allows): lost at once.
    if (probe === undefined || source === null || port === null) report(null);
    else
      void probe(o.target, { address: source, port }, o.timeoutMs).then((rtt) => {
        o.ports.release(port);
        report(rtt);
      });
    // Scheduled from the start time, so the cadence does not drift.
    timer = setTimeout(tick, Math.max(0, startMs + sent * intervalMs - o.now()));
  };
  const start = () => {
    sent = 0;
    stopped = false;
    startMs = o.now();
    tick();
  };
  return {
    start,
    sourceChanged: () => undefined,
    pathChanged: () => undefined,
    // Probes in flight keep their own (real) outcome; the new cadence starts with a probe now.
    retime(ms) {
      clearTimeout(timer);
      intervalMs = ms;
      start();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
