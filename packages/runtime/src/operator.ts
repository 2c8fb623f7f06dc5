import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  decodePayload,
  externalOperatorUsername,
  OPERATOR_CREDENTIAL_FILE,
  OPERATOR_USERNAME,
  type Operation,
  topics,
  type WanpilotConfig,
  WanpilotError,
} from "@wanpilot/common";
import mqtt, { type MqttClient } from "mqtt";
import { busUrl } from "./bus.js";

/** The embedded broker's operator password (root-readable), for `wanpilot link`, `reload` and the web page. */
export function operatorPasswordPath(runtimeDir: string): string {
  return join(runtimeDir, "operator.password");
}

/** A local operator's connection: the generated operator credential, results read from `operations`. */
export interface OperatorClient {
  readonly connected: boolean;
  /** Resolves with the first operation published after this call that `match` accepts. */
  waitFor(match: (op: Operation) => boolean, timeoutMs: number): Promise<Operation | undefined>;
  sendLinkCommand(link: string, payload: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** The operator's login: the embedded broker's generated one, or `<gateway>/operator` on an external broker. */
export function operatorLogin(config: WanpilotConfig): { username: string; path: string } {
  const dir = config.bus.credentials_dir;
  if (config.bus.url !== undefined && dir !== undefined)
    return { username: externalOperatorUsername(config.gateway), path: join(dir, OPERATOR_CREDENTIAL_FILE) };
  return { username: OPERATOR_USERNAME, path: operatorPasswordPath(config.runtime_dir) };
}

export function operatorPassword(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WanpilotError(
      code === "ENOENT" ? "NOT_RUNNING" : "BUS_UNAVAILABLE",
      code === "ENOENT"
        ? `wanpilot is not running here (no ${path})`
        : `cannot read the operator password ${path}: ${String(code)} (run as root)`,
      { cause: err },
    );
  }
}

async function connect(url: string, username: string, password: string): Promise<MqttClient> {
  const notRunning = (cause?: unknown) =>
    new WanpilotError("NOT_RUNNING", `wanpilot is not running: no broker answers at ${url}`, { cause });
  let client: MqttClient;
  try {
    client = await mqtt.connectAsync(
      url,
      {
        protocolVersion: 4,
        clean: true,
        connectTimeout: 3000,
        reconnectPeriod: 0,
        username,
        password,
      },
      false,
    );
  } catch (err: unknown) {
    throw notRunning(err);
  }
  if (!client.connected) {
    client.end(true);
    throw notRunning();
  }
  return client;
}

export async function connectOperator(config: WanpilotConfig): Promise<OperatorClient> {
  const login = operatorLogin(config);
  const client = await connect(busUrl(config), login.username, operatorPassword(login.path));
  const seen: Operation[] = [];
  const waiters = new Set<() => void>();
  client.on("message", (_topic, raw) => {
    const d = decodePayload("operations", raw);
    if (!d.ok) return;
    seen.push(d.value);
    for (const w of waiters) w();
  });
  await client.subscribeAsync(topics.operations(config.gateway), { qos: 1 });
  return {
    get connected() {
      return client.connected;
    },
    waitFor(match, timeoutMs) {
      const from = seen.length;
      return new Promise((resolve) => {
        const check = () => {
          const op = seen.slice(from).find(match);
          if (op === undefined) return;
          cleanup();
          resolve(op);
        };
        const timer = setTimeout(() => {
          cleanup();
          resolve(undefined);
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    async sendLinkCommand(link, payload) {
      await client.publishAsync(topics.linkCommand(config.gateway, link), JSON.stringify(payload), {
        qos: 1,
      });
    },
    close: () => client.endAsync(),
  };
}
