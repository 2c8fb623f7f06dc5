import type { Socket } from "node:net";
import type { Client } from "aedes";
import { FrameGuard } from "../core/frame-guard.js";

/** What one client may cost the embedded broker (docs/security.md, "The bus"). */
export interface BrokerLimits {
  /** Largest packet before the login is accepted (a CONNECT with a will and a password is far smaller). */
  maxPacketBeforeLogin: number;
  /** Largest packet of a logged-in reader or anonymous client (they only subscribe). */
  maxPacketReader: number;
  /** Largest packet of wanpilot's own parts (payloads over 64 KiB reach subscribers, which drop them). */
  maxPacketPart: number;
  /** A socket must complete its login within this. */
  loginDeadlineMs: number;
  /** Sockets not logged in yet; one more evicts the oldest (so a flood cannot lock the parts out). */
  maxPending: number;
  /** Logged-in readers and anonymous clients; the parts are never counted nor refused. */
  maxReaders: number;
  /** Reader and anonymous logins accepted per second (bursts of twice that); each one costs the retained state. */
  maxReaderLoginsPerSec: number;
  /** Bytes waiting to be written to a reader that does not read: over this it is disconnected. */
  maxReaderBacklog: number;
  /** Offline persistent sessions of readers: expired after this... */
  sessionExpiryMs: number;
  /** ...or at once when there are more than this many (the oldest first)... */
  maxOfflineSessions: number;
  /** ...and each keeps at most this many queued messages (newer ones are dropped). */
  maxQueuedPerSession: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  maxPacketBeforeLogin: 16 * 1024,
  maxPacketReader: 64 * 1024,
  maxPacketPart: 2 * 1024 * 1024,
  loginDeadlineMs: 5000,
  maxPending: 32,
  maxReaders: 64,
  maxReaderLoginsPerSec: 10,
  maxReaderBacklog: 1024 * 1024,
  sessionExpiryMs: 60 * 60 * 1000,
  maxOfflineSessions: 64,
  maxQueuedPerSession: 200,
};

/**
 * Checks each packet's declared size on the bytes aedes hands its parser, before the parser buffers the
 * body (one unauthenticated socket declaring a huge packet made the process hold 200 MiB in 2 s).
 */
export function guardPacketSizes(
  conn: Socket,
  limit: () => number,
  onRefused: (reason: string) => void,
): void {
  const client = (conn as Socket & { client?: { _parser?: { parse(buf: Buffer): unknown } } }).client;
  const parser = client?._parser;
  // aedes internals: without them nothing could be checked, so the connection is not accepted.
  if (parser === undefined) {
    conn.destroy();
    return;
  }
  const guard = new FrameGuard(limit);
  const parse = parser.parse.bind(parser);
  parser.parse = (buf: Buffer) => {
    const verdict = guard.feed(buf);
    if (verdict.ok) return parse(buf);
    onRefused(verdict.reason);
    conn.destroy();
    return 0;
  };
}

/** Sockets that have not logged in yet, oldest first; over the cap the oldest is dropped. */
export class PendingLogins {
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly limits: BrokerLimits,
    private readonly onEvict: (socket: Socket, why: string) => void,
  ) {}

  add(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    const timer = setTimeout(() => {
      if (!this.sockets.has(socket)) return;
      this.drop(socket, `no login within ${this.limits.loginDeadlineMs} ms`);
    }, this.limits.loginDeadlineMs);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    if (this.sockets.size > this.limits.maxPending) {
      const oldest = this.sockets.values().next().value;
      if (oldest !== undefined)
        this.drop(oldest, `more than ${this.limits.maxPending} connections waiting to log in`);
    }
  }

  loggedIn(socket: Socket): void {
    this.sockets.delete(socket);
  }

  get size(): number {
    return this.sockets.size;
  }

  private drop(socket: Socket, why: string): void {
    this.sockets.delete(socket);
    this.onEvict(socket, why);
    socket.destroy();
  }
}

/** The part of aedes-persistence the session bound needs (callback-less calls return promises). */
export interface Persistence {
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: unknown, cb?: unknown): unknown;
  cleanSubscriptions(client: { id: string }): Promise<unknown>;
  outgoingStream(client: { id: string }): AsyncIterable<{ messageId?: number | undefined }>;
  outgoingClearMessageId(
    client: { id: string },
    packet: { messageId?: number | undefined },
  ): Promise<unknown>;
}

/**
 * Offline persistent sessions of readers (wanpilot's own parts are never touched): each keeps a bounded
 * queue, expires after sessionExpiryMs, and the oldest goes first when there are too many.
 */
export class OfflineSessions {
  private readonly offline = new Map<string, { sinceMs: number; queued: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly persistence: Persistence,
    private readonly limits: BrokerLimits,
    private readonly now: () => number,
    private readonly onExpire: (clientId: string, why: string) => void,
  ) {
    const enqueue = persistence.outgoingEnqueueCombi.bind(persistence);
    persistence.outgoingEnqueueCombi = (subs, packet, cb) => {
      const kept = subs.filter((s) => {
        const session = this.offline.get(s.clientId);
        if (session === undefined) return true;
        if (session.queued >= limits.maxQueuedPerSession) return false;
        session.queued++;
        return true;
      });
      return enqueue(kept, packet, cb);
    };
    this.timer = setInterval(() => this.sweep(), Math.min(1000, limits.sessionExpiryMs));
    this.timer.unref();
  }

  /** A reader's persistent session went offline. */
  wentOffline(client: Client): void {
    if (client.clean || client.id === null) return;
    this.offline.set(client.id, { sinceMs: this.now(), queued: 0 });
    while (this.offline.size > this.limits.maxOfflineSessions) {
      const oldest = this.offline.keys().next().value;
      if (oldest === undefined) break;
      this.expire(oldest, `more than ${this.limits.maxOfflineSessions} offline sessions`);
    }
  }

  /** Back online: aedes delivers its queue now. */
  cameBack(clientId: string): void {
    this.offline.delete(clientId);
  }

  get size(): number {
    return this.offline.size;
  }

  queued(clientId: string): number | undefined {
    return this.offline.get(clientId)?.queued;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.offline)
      if (now - s.sinceMs >= this.limits.sessionExpiryMs)
        this.expire(id, `offline for ${this.limits.sessionExpiryMs} ms`);
  }

  private expire(clientId: string, why: string): void {
    this.offline.delete(clientId);
    this.onExpire(clientId, why);
    const id = { id: clientId };
    void (async () => {
      await this.persistence.cleanSubscriptions(id);
      const queued: Array<{ messageId?: number | undefined }> = [];
      for await (const p of this.persistence.outgoingStream(id)) queued.push(p);
      // Queued packets never sent have no message id; each clear removes one matching entry.
      for (const p of queued) await this.persistence.outgoingClearMessageId(id, { messageId: p.messageId });
    })().catch(() => undefined);
  }
}

/**
 * Refusals logged without letting a flood of them flood the log: the first of each kind in a window is
 * logged as it comes, the rest are counted and reported in one line when the window ends.
 */
export class RefusalLog {
  private readonly suppressed = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly warn: (obj: object, msg: string) => void,
    private readonly windowMs = 10_000,
  ) {}

  refused(msg: string, details: object): void {
    const n = this.suppressed.get(msg);
    if (n !== undefined) {
      this.suppressed.set(msg, n + 1);
      return;
    }
    this.suppressed.set(msg, 0);
    this.warn(details, msg);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs).unref();
  }

  flush(): void {
    this.timer = undefined;
    for (const [msg, count] of this.suppressed)
      if (count > 0) this.warn({ count, windowMs: this.windowMs }, `${msg} (more of the same)`);
    this.suppressed.clear();
  }
}

/** A token bucket: `take()` is false when more than `perSec` (bursts of 2×) were taken. Time is a parameter. */
export class RateLimit {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly perSec: number,
    nowMs: number,
  ) {
    this.tokens = 2 * perSec;
    this.lastMs = nowMs;
  }

  take(nowMs: number): boolean {
    this.tokens = Math.min(2 * this.perSec, this.tokens + ((nowMs - this.lastMs) / 1000) * this.perSec);
    this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * The first bytes of a connection must start a CONNECT within the pre-login size before aedes gets the
 * socket: junk and oversized declarations are dropped without the cost of an MQTT client each.
 */
export function firstPacketGate(
  conn: Socket,
  maxBytes: number,
  pass: () => void,
  refuse: (reason: string) => void,
): void {
  const onReadable = () => {
    const chunk = conn.read() as Buffer | null;
    if (chunk === null) return;
    conn.off("readable", onReadable);
    const verdict =
      chunk[0] !== 0x10
        ? { ok: false, reason: "the first packet is not a CONNECT" }
        : new FrameGuard(() => maxBytes).feed(chunk);
    if (!verdict.ok) {
      refuse(verdict.reason);
      conn.destroy();
      return;
    }
    conn.unshift(chunk);
    pass();
  };
  conn.on("readable", onReadable);
}
