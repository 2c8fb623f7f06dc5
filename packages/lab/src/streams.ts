import { EventEmitter } from "node:events";
import { LabError } from "./errors.js";
import type { StreamsConfig } from "./flow-protocol.js";
import { parseJsonLine } from "./flow-protocol.js";
import { checkCount, type FlowHost, type FlowTarget } from "./flows.js";
import type { LabProcess } from "./process.js";
import { scriptPath } from "./scripts.js";

export interface StartStreamsOptions extends FlowTarget {
  /** Number of TCP streams (1..500, default 1). */
  readonly count?: number;
  /** Each stream writes `chunkBytes` every `intervalMs` (defaults 64 bytes / 50 ms). */
  readonly intervalMs?: number;
  readonly chunkBytes?: number;
  /** The client stops on its own after this long (default 120 s). */
  readonly durationMs?: number;
  readonly connectTimeoutMs?: number;
  /** A stream is `alive()` if echoed bytes grew within this window (default 1000 ms). */
  readonly stallMs?: number;
}

/** One long-lived TCP connection to the flow server that keeps sending and counts what is echoed. */
export class Stream {
  readonly index: number;
  private ispName: string | undefined;
  private received = 0;
  private progressAt = 0;
  private closedWith: { readonly error?: string } | undefined;

  constructor(
    index: number,
    private readonly group: StreamGroup,
  ) {
    this.index = index;
  }

  /** The ISP the server saw this stream come through (undefined until connected). */
  get isp(): string | undefined {
    return this.ispName;
  }

  /** Echoed bytes received so far. */
  bytes(): number {
    return this.received;
  }

  closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Why the stream closed, e.g. "ECONNRESET" (undefined if open or closed cleanly). */
  closeError(): string | undefined {
    return this.closedWith?.error;
  }

  /** Open, and echoed bytes grew within the last `withinMs`. */
  alive(withinMs = this.group.stallMs): boolean {
    return !this.closed() && Date.now() - this.progressAt <= withinMs;
  }

  /** Resolves true once `minBytes` more bytes have been echoed, false on timeout or close. */
  waitForProgress(timeoutMs: number, minBytes = 1): Promise<boolean> {
    const goal = this.received + minBytes;
    return this.group.waitFor(
      () => (this.received >= goal ? true : this.closed() ? false : undefined),
      timeoutMs,
    );
  }

  /** Resolves true once no echoed bytes arrived for `quietMs` (or the stream closed), false on timeout. */
  waitForStall(timeoutMs: number, quietMs = this.group.stallMs): Promise<boolean> {
    return this.group.waitFor(() => (this.alive(quietMs) ? undefined : true), timeoutMs);
  }

  /** @internal */
  update(event: Record<string, unknown>, now: number): void {
    if (event.event === "connected" && typeof event.isp === "string") {
      this.ispName = event.isp;
      this.progressAt = now;
    } else if (event.event === "closed") {
      this.closedWith = typeof event.error === "string" ? { error: event.error } : {};
    } else if (typeof event.bytes === "number" && event.bytes > this.received) {
      this.received = event.bytes;
      this.progressAt = now;
    }
  }
}

/** A set of streams run by one client process. */
export class StreamGroup {
  readonly streams: readonly Stream[];
  readonly stallMs: number;
  private readonly changes = new EventEmitter();
  private finished = false;

  constructor(
    count: number,
    stallMs: number,
    private readonly process: LabProcess,
  ) {
    this.stallMs = stallMs;
    this.streams = Array.from({ length: count }, (_, index) => new Stream(index, this));
    this.changes.setMaxListeners(0);
    void process.exited.then(() => {
      this.finished = true;
      this.changes.emit("change");
    });
  }

  /** @internal Feeds one client output line. */
  onLine(line: string): void {
    const event = parseJsonLine(line);
    if (event === undefined) return;
    const now = Date.now();
    if (event.event === "bytes" && Array.isArray(event.bytes)) {
      event.bytes.forEach((bytes, index) => {
        this.streams[index]?.update({ bytes }, now);
      });
    } else if (typeof event.index === "number") {
      this.streams[event.index]?.update(event, now);
    }
    this.changes.emit("change");
  }

  /** Total echoed bytes per stream. */
  bytes(): number[] {
    return this.streams.map((stream) => stream.bytes());
  }

  /**
   * Resolves with `check()`'s first defined answer, re-checked on every client report (at least
   * every 100 ms while the client runs), or false after `timeoutMs`.
   */
  waitFor(check: () => boolean | undefined, timeoutMs: number): Promise<boolean> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    if (this.finished) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer);
        this.changes.off("change", onChange);
        resolve(value);
      };
      const onChange = (): void => {
        const answer = check();
        if (answer !== undefined) done(answer);
        else if (this.finished) done(false);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.changes.on("change", onChange);
    });
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}

/** A single stream with its own client process: what `lab.startStream()` returns. */
export class SingleStream {
  constructor(
    private readonly stream: Stream,
    private readonly group: StreamGroup,
  ) {}

  get isp(): string | undefined {
    return this.stream.isp;
  }

  bytes(): number {
    return this.stream.bytes();
  }

  closed(): boolean {
    return this.stream.closed();
  }

  closeError(): string | undefined {
    return this.stream.closeError();
  }

  alive(withinMs?: number): boolean {
    return this.stream.alive(withinMs);
  }

  waitForProgress(timeoutMs: number, minBytes?: number): Promise<boolean> {
    return this.stream.waitForProgress(timeoutMs, minBytes);
  }

  waitForStall(timeoutMs: number, quietMs?: number): Promise<boolean> {
    return this.stream.waitForStall(timeoutMs, quietMs);
  }

  stop(): Promise<void> {
    return this.group.stop();
  }
}

export async function startStreams(host: FlowHost, options: StartStreamsOptions = {}): Promise<StreamGroup> {
  const count = options.count ?? 1;
  checkCount(count, 500);
  const connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
  const config: StreamsConfig = {
    mode: "streams",
    host: options.host ?? host.defaults.host,
    port: options.port ?? host.defaults.tcpPort,
    count,
    connectTimeoutMs,
    intervalMs: options.intervalMs ?? 50,
    chunkBytes: options.chunkBytes ?? 64,
    durationMs: options.durationMs ?? 120_000,
    reportMs: 100,
    ...(options.from === undefined ? {} : { from: options.from }),
  };
  const proc = host.spawn(options.ns ?? host.defaults.ns, [
    process.execPath,
    scriptPath("flow-client"),
    JSON.stringify(config),
  ]);
  const group = new StreamGroup(count, options.stallMs ?? 1_000, proc);
  for (const line of proc.lines()) group.onLine(line);
  proc.onLine((line) => group.onLine(line));
  const settled = () => (group.streams.every((s) => s.isp !== undefined || s.closed()) ? true : undefined);
  // Node's startup inside the namespace comes on top of the connect timeout.
  if (!(await group.waitFor(settled, connectTimeoutMs + 5_000))) {
    await group.stop();
    throw new LabError("LAB_TIMEOUT", `streams did not connect; client output:\n${proc.lines().join("\n")}`);
  }
  return group;
}
