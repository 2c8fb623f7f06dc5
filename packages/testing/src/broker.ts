import { createServer, type Server } from "node:net";
import { PassThrough, type Readable } from "node:stream";
import { Aedes } from "aedes";

/**
 * A real in-process aedes broker on 127.0.0.1 (tests run against a broker, not a mock). `stop()` then
 * `start()` is a broker restart: every client dropped, the same port listened on again.
 */
export interface TestBroker {
  readonly port: number;
  readonly url: string;
  /** Clients that connected to the broker since it last started. */
  readonly clientsSinceStart: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface TestBrokerOptions {
  /** TCP_NODELAY on the broker's sockets (for tests that measure latency). */
  noDelay?: boolean;
  /**
   * Sends a new subscription's retained messages this long after reading them: the race aedes runs anyway
   * (its retained snapshot is streamed while live messages are forwarded), made to happen every time.
   */
  retainedDelayMs?: number;
}

/** The part of aedes' persistence a subscription's retained messages come from (not in aedes' types). */
interface RetainedSource {
  createRetainedStreamCombi(patterns: string[]): Readable;
}

function delayRetained(broker: Aedes, ms: number): void {
  const persistence = (broker as unknown as { persistence: RetainedSource }).persistence;
  const read = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.createRetainedStreamCombi = (patterns) => {
    const out = new PassThrough({ objectMode: true });
    const snapshot: unknown[] = [];
    read(patterns)
      .on("data", (packet: unknown) => snapshot.push(packet))
      .on("end", () =>
        setTimeout(() => {
          for (const packet of snapshot) out.write(packet);
          out.end();
        }, ms),
      );
    return out;
  };
}

async function listen(
  port: number,
  opts: TestBrokerOptions,
): Promise<{ server: Server; broker: Aedes; port: number }> {
  const broker = await Aedes.createBroker();
  if (opts.retainedDelayMs !== undefined) delayRetained(broker, opts.retainedDelayMs);
  const server = createServer({ noDelay: opts.noDelay ?? false }, broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("broker has no TCP address");
  return { server, broker, port: address.port };
}

export async function startTestBroker(opts: TestBrokerOptions = {}): Promise<TestBroker> {
  let clients = 0;
  const count = (b: Aedes) => b.on("client", () => (clients += 1));
  let current: { server: Server; broker: Aedes } | undefined = await listen(0, opts);
  count(current.broker);
  const port = (current.server.address() as { port: number }).port;
  return {
    port,
    get clientsSinceStart() {
      return clients;
    },
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      const running = current;
      current = undefined;
      if (running === undefined) return;
      await new Promise<void>((resolve) => running.broker.close(() => resolve()));
      await new Promise<void>((resolve) => running.server.close(() => resolve()));
    },
    async start() {
      if (current !== undefined) return;
      clients = 0;
      current = await listen(port, opts);
      count(current.broker);
    },
  };
}
