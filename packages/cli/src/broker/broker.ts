import { chmodSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import {
  componentId,
  errorMessage,
  isWanpilotError,
  OPERATOR_USERNAME,
  operatorMayPublish,
  parseComponentId,
  splitHostPort,
  type WanpilotConfig,
  WanpilotError,
} from "@wanpilot/common";
import {
  deriveBusPassword,
  ensureBusSecret,
  type Logger,
  operatorPasswordPath,
  readSecretFile,
} from "@wanpilot/runtime";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import {
  type AclContext,
  authenticate,
  authorizePublish,
  type Principal,
  principalName,
  stampCommand,
  willAllowed,
} from "../core/broker-acl.js";
import {
  type BrokerLimits,
  DEFAULT_BROKER_LIMITS,
  firstPacketGate,
  guardPacketSizes,
  OfflineSessions,
  PendingLogins,
  type Persistence,
  RateLimit,
  RefusalLog,
} from "./limits.js";

export interface RunningBroker {
  /** The address actually bound (port 0 in tests → the chosen port). */
  host: string;
  port: number;
  readonly connectedClients: number;
  /** wanpilot's own processes connected now (anonymous readers and the remote user not counted). */
  readonly componentClients: number;
  /** Sockets not logged in yet, and readers' persistent sessions kept while they are offline. */
  readonly pendingLogins: number;
  readonly offlineSessions: number;
  /** A reloaded config: its links' probers may log in, the reader's password is read again. */
  reload(config: WanpilotConfig): void;
  close(): Promise<void>;
}

/** bus.operator_password_file's password (a fixed one, e.g. for Home Assistant), else one derived for this boot. */
function operatorPassword(config: WanpilotConfig, secret: Buffer): string {
  return (
    readPassword(config.bus.operator_password_file, "bus.operator_password_file") ??
    deriveBusPassword(secret, OPERATOR_USERNAME)
  );
}

function writeOperatorPassword(runtimeDir: string, password: string): void {
  const path = operatorPasswordPath(runtimeDir);
  writeFileSync(path, `${password}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function readPassword(file: string | undefined, key: string): string | undefined {
  return file === undefined ? undefined : readSecretFile(file, key);
}

function busSecret(runtimeDir: string): Buffer {
  try {
    return ensureBusSecret(runtimeDir);
  } catch (err: unknown) {
    if (isWanpilotError(err, "RUNTIME_DIR_UNSAFE") || isWanpilotError(err, "CONFIG_UNREADABLE")) throw err;
    throw new WanpilotError(
      "BROKER_BIND_FAILED",
      `cannot keep the bus secret in runtime_dir ${runtimeDir}: ${errorMessage(err)}`,
      { cause: err, details: { runtimeDir } },
    );
  }
}

function aclContext(config: WanpilotConfig, secret: Buffer): AclContext {
  const reader = config.bus.username;
  const readerPass = readPassword(config.bus.password_file, "bus.password_file");
  const ha = config.homeassistant.username;
  const haPass = readPassword(config.homeassistant.password_file, "homeassistant.password_file");
  const operator = operatorPassword(config, secret);
  return {
    gateway: config.gateway,
    links: new Set(config.links.map((l) => l.name)),
    anonymous: config.bus.anonymous,
    ...(reader === undefined ? {} : { readerUsername: reader }),
    ...(ha === undefined ? {} : { haUsername: ha }),
    haPrefix: config.homeassistant.prefix,
    expectedPassword: (username) => {
      if (username === reader) return readerPass;
      if (username === ha) return haPass;
      if (username === OPERATOR_USERNAME) return operator;
      const c = parseComponentId(username);
      return c === undefined ? undefined : deriveBusPassword(secret, componentId(c));
    },
  };
}

function refused(message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: 5 }) as AuthenticateError;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      reject(
        new WanpilotError(
          "BROKER_BIND_FAILED",
          `the broker cannot listen on ${host}:${port}: ${err.message}`,
          {
            cause: err,
            details: { host, port },
          },
        ),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** The embedded aedes broker with wanpilot's authentication and ACL, listening on bus.listen. */
export async function startBroker(opts: {
  config: WanpilotConfig;
  log: Logger;
  listen?: { host: string; port: number };
  /** Tests lower them. */
  limits?: Partial<BrokerLimits>;
}): Promise<RunningBroker> {
  const { config, log } = opts;
  const limits: BrokerLimits = { ...DEFAULT_BROKER_LIMITS, ...opts.limits };
  const secret = busSecret(config.runtime_dir);
  // `wanpilot link` and `reload` read it here, whichever password it is.
  writeOperatorPassword(config.runtime_dir, operatorPassword(config, secret));
  let ctx = aclContext(config, secret);
  const principals = new WeakMap<Client, Principal>();
  const forbiddenWills = new WeakMap<Client, string>();
  const isPart = (c: Client | null) => c !== null && principals.get(c)?.kind === "component";
  const refusals = new RefusalLog((obj, msg) => log.warn(obj, msg));
  const readerLogins = new RateLimit(limits.maxReaderLoginsPerSec, Date.now());
  const pending = new PendingLogins(limits, (socket, why) =>
    refusals.refused("connection dropped before login", { remote: socket.remoteAddress, reason: why }),
  );
  const broker = await Aedes.createBroker({
    connectTimeout: limits.loginDeadlineMs,
    // Packets a client may send between CONNECT and its login's answer.
    queueLimit: 16,
    drainTimeout: 5000,
    // The will is only visible here; a forbidden one is refused with a proper CONNACK in authenticate.
    preConnect: (client, packet, done) => {
      const will = packet.will;
      if (will !== undefined && will !== null && !willAllowed(ctx, packet.username, will.topic))
        forbiddenWills.set(client, will.topic);
      done(null, true);
    },
    authenticate: (client, username, password, done) => {
      const willTopic = forbiddenWills.get(client);
      if (willTopic !== undefined) {
        log.warn(
          { clientId: client.id, username, topic: willTopic },
          "connection with a forbidden last will refused",
        );
        done(refused(`not allowed to leave a last will on ${willTopic}`), false);
        return;
      }
      const result = authenticate(ctx, {
        username,
        password: password?.toString("utf8"),
        remoteAddress: (client.conn as { remoteAddress?: string }).remoteAddress,
        clientId: client.id,
      });
      if (!result.ok) {
        refusals.refused("bus login refused", { clientId: client.id, username, reason: result.reason });
        done(refused(result.reason), false);
        return;
      }
      if (result.principal.kind !== "component") {
        const busy =
          readers() >= limits.maxReaders
            ? `more than ${limits.maxReaders} readers`
            : !readerLogins.take(Date.now())
              ? `more than ${limits.maxReaderLoginsPerSec} reader logins per second`
              : undefined;
        if (busy !== undefined) {
          refusals.refused("bus login refused: busy", { clientId: client.id, username, reason: busy });
          done(Object.assign(new Error(busy), { returnCode: 3 }) as AuthenticateError, false);
          return;
        }
      }
      principals.set(client, result.principal);
      pending.loggedIn(client.conn as Socket);
      done(null, true);
    },
    // `$SYS` names every client that connects: not for anonymous readers.
    authorizeSubscribe: (client, sub, done) => {
      const who = client === null ? undefined : principals.get(client);
      if (sub.topic.startsWith("$SYS") && (who === undefined || who.kind === "anonymous")) {
        log.warn({ clientId: client?.id, topic: sub.topic }, "subscription refused");
        done(null, null);
        return;
      }
      done(null, sub);
    },
    // A reader that stops reading is dropped rather than buffered for (or slowing) everyone else.
    authorizeForward: (client, packet) => {
      const conn = client.conn as Socket;
      if (isPart(client) || conn.writableLength <= limits.maxReaderBacklog) return packet;
      log.warn({ clientId: client.id, backlog: conn.writableLength }, "reader not reading, disconnected");
      conn.destroy();
      return null;
    },
    authorizePublish: (client, packet, done) => {
      const who = client === null ? undefined : principals.get(client);
      if (authorizePublish(ctx, who, packet.topic)) {
        if (operatorMayPublish(ctx.gateway, packet.topic))
          packet.payload = stampCommand(Buffer.from(packet.payload), principalName(who));
        done(null);
        return;
      }
      log.warn({ clientId: client?.id, topic: packet.topic }, "publish refused");
      done(new Error(`not allowed to publish on ${packet.topic}`));
    },
  });
  // aedes's own table of connected clients (a session taken over by a reconnect leaves it without a
  // clientDisconnect event, so counting events would drift).
  const connected = () => Object.values((broker as unknown as { clients: Record<string, Client> }).clients);
  const readers = () => connected().filter((c) => principals.has(c) && !isPart(c)).length;
  // aedes keeps its persistence on the instance without typing it.
  const store = (broker as unknown as { persistence: Persistence }).persistence;
  const sessions = new OfflineSessions(store, limits, Date.now, (clientId, why) =>
    refusals.refused("offline session expired", { clientId, reason: why }),
  );
  broker.on("clientDisconnect", (c: Client) => {
    if (principals.has(c) && !isPart(c)) sessions.wentOffline(c);
  });
  broker.on("client", (c: Client) => sessions.cameBack(c.id));
  const packetLimit = (conn: Socket) => {
    const who = principals.get((conn as Socket & { client: Client }).client);
    if (who === undefined) return limits.maxPacketBeforeLogin;
    return who.kind === "component" ? limits.maxPacketPart : limits.maxPacketReader;
  };
  // Small MQTT packets held back by Nagle add tens of ms to every link-state → kernel change.
  const server = createServer({ noDelay: true }, (conn) => {
    pending.add(conn);
    conn.on("error", () => undefined);
    const tooLarge = (reason: string) =>
      refusals.refused("connection dropped: bad or oversized packet", { remote: conn.remoteAddress, reason });
    firstPacketGate(
      conn,
      limits.maxPacketBeforeLogin,
      () => {
        broker.handle(conn);
        guardPacketSizes(conn, () => packetLimit(conn), tooLarge);
      },
      tooLarge,
    );
  });
  const where = opts.listen ?? splitHostPort(config.bus.listen);
  try {
    await listen(server, where.host, where.port);
  } catch (err: unknown) {
    await new Promise<void>((r) => broker.close(() => r()));
    throw err;
  }
  const bound = server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : where.port;
  log.info({ host: where.host, port, anonymous: config.bus.anonymous }, "broker listening");
  return {
    host: where.host,
    port,
    get connectedClients() {
      return broker.connectedClients;
    },
    reload(next: WanpilotConfig) {
      ctx = aclContext(next, secret);
    },
    get componentClients() {
      return connected().filter(isPart).length;
    },
    get pendingLogins() {
      return pending.size;
    },
    get offlineSessions() {
      return sessions.size;
    },
    async close() {
      sessions.close();
      refusals.flush();
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
      log.info("broker stopped");
    },
  };
}
