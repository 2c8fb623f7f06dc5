import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import {
  componentId,
  errorMessage,
  parseComponentId,
  splitHostPort,
  type WanpilotConfig,
  WanpilotError,
} from "@wanpilot/common";
import { deriveBusPassword, ensureBusSecret, type Logger } from "@wanpilot/runtime";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import {
  type AclContext,
  authenticate,
  authorizePublish,
  type Principal,
  willAllowed,
} from "../core/broker-acl.js";

export interface RunningBroker {
  /** The address actually bound (port 0 in tests → the chosen port). */
  host: string;
  port: number;
  readonly connectedClients: number;
  /** wanpilot's own processes connected now (anonymous readers and the remote user not counted). */
  readonly componentClients: number;
  close(): Promise<void>;
}

function readPassword(file: string | undefined, key: string): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, "utf8").trim();
  } catch (err: unknown) {
    throw new WanpilotError("CONFIG_UNREADABLE", `cannot read ${key} ${file}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

function busSecret(runtimeDir: string): Buffer {
  try {
    return ensureBusSecret(runtimeDir);
  } catch (err: unknown) {
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
}): Promise<RunningBroker> {
  const { config, log } = opts;
  const secret = busSecret(config.runtime_dir);
  const ctx = aclContext(config, secret);
  const principals = new WeakMap<Client, Principal>();
  const forbiddenWills = new WeakMap<Client, string>();
  const broker = await Aedes.createBroker({
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
        log.warn({ clientId: client.id, username, reason: result.reason }, "bus login refused");
        done(refused(result.reason), false);
        return;
      }
      principals.set(client, result.principal);
      done(null, true);
    },
    authorizePublish: (client, packet, done) => {
      const who = client === null ? undefined : principals.get(client);
      if (authorizePublish(ctx, who, packet.topic)) {
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
  // Small MQTT packets held back by Nagle add tens of ms to every link-state → kernel change.
  const server = createServer({ noDelay: true }, broker.handle);
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
    get componentClients() {
      return connected().filter((c) => principals.get(c)?.kind === "component").length;
    },
    async close() {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
      log.info("broker stopped");
    },
  };
}
