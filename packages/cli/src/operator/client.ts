import { readFileSync } from "node:fs";
import {
  decodePayload,
  OPERATOR_USERNAME,
  type Operation,
  topics,
  type WanpilotConfig,
  WanpilotError,
} from "@wanpilot/common";
import { busUrl } from "@wanpilot/runtime";
import mqtt, { type MqttClient } from "mqtt";
import { operatorPasswordPath } from "../broker/broker.js";

/** A local operator's connection: the generated operator credential, results read from `operations`. */
export interface OperatorClient {
  /** Resolves with the first operation published after this call that `match` accepts. */
  waitFor(match: (op: Operation) => boolean, timeoutMs: number): Promise<Operation | undefined>;
  sendLinkCommand(link: string, payload: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

function operatorPassword(config: WanpilotConfig): string {
  const path = operatorPasswordPath(config.runtime_dir);
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

async function connect(url: string, password: string): Promise<MqttClient> {
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
        username: OPERATOR_USERNAME,
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
  const client = await connect(busUrl(config), operatorPassword(config));
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
