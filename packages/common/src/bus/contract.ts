import type * as z from "zod";
import { HaDiscovery } from "./homeassistant.js";
import { LinkState6 } from "./ipv6.js";
import {
  Availability,
  EventAck,
  LinkHealth,
  LinkState,
  LinkTransition,
  RouteChange,
  RouterState,
  SupervisorState,
} from "./messages.js";
import { CommandText, Operation } from "./operations.js";
import type { TopicKind } from "./topics.js";
import { HaGatewayView, HaLinkView, PartMetrics } from "./watch-messages.js";

export interface TopicSpec<S extends z.ZodType = z.ZodType> {
  schema: S;
  retained: boolean;
  qos: 0 | 1;
  /** Payloads are JSON, except availability which is the bare word (Home Assistant friendly). */
  encoding: "json" | "text";
}

/** Each topic kind → its payload schema and delivery. The one map remote clients and our processes rely on. */
export const CONTRACT = {
  availability: { schema: Availability, retained: true, qos: 1, encoding: "text" },
  linkState: { schema: LinkState, retained: true, qos: 1, encoding: "json" },
  linkState6: { schema: LinkState6, retained: true, qos: 1, encoding: "json" },
  linkEvent6: { schema: LinkTransition, retained: false, qos: 1, encoding: "json" },
  linkHealth: { schema: LinkHealth, retained: false, qos: 0, encoding: "json" },
  linkHealth6: { schema: LinkHealth, retained: false, qos: 0, encoding: "json" },
  linkEvent: { schema: LinkTransition, retained: false, qos: 1, encoding: "json" },
  routerState: { schema: RouterState, retained: true, qos: 1, encoding: "json" },
  routerEvent: { schema: RouteChange, retained: false, qos: 1, encoding: "json" },
  loggerAck: { schema: EventAck, retained: false, qos: 1, encoding: "json" },
  supervisorState: { schema: SupervisorState, retained: true, qos: 1, encoding: "json" },
  linkCommand: { schema: CommandText, retained: false, qos: 1, encoding: "text" },
  operations: { schema: Operation, retained: false, qos: 1, encoding: "json" },
  haLink: { schema: HaLinkView, retained: true, qos: 1, encoding: "json" },
  haGateway: { schema: HaGatewayView, retained: true, qos: 1, encoding: "json" },
  partMetrics: { schema: PartMetrics, retained: false, qos: 0, encoding: "json" },
  haDiscovery: { schema: HaDiscovery, retained: true, qos: 1, encoding: "json" },
} as const satisfies Record<TopicKind, TopicSpec>;

export type PayloadOf<K extends TopicKind> = z.output<(typeof CONTRACT)[K]["schema"]>;

/** Largest payload any process accepts; bigger ones are dropped unparsed. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

export function encodePayload<K extends TopicKind>(kind: K, payload: PayloadOf<K>): string {
  const spec = CONTRACT[kind];
  return spec.encoding === "text" ? String(payload) : JSON.stringify(payload);
}

export type DecodeResult<K extends TopicKind> =
  | { ok: true; value: PayloadOf<K> }
  | { ok: false; reason: string };

export function decodePayload<K extends TopicKind>(kind: K, raw: Uint8Array | string): DecodeResult<K> {
  const size = typeof raw === "string" ? Buffer.byteLength(raw) : raw.byteLength;
  if (size > MAX_PAYLOAD_BYTES)
    return { ok: false, reason: `payload of ${size} bytes is over ${MAX_PAYLOAD_BYTES}` };
  const text = typeof raw === "string" ? raw : Buffer.from(raw).toString("utf8");
  const spec: TopicSpec = CONTRACT[kind];
  let data: unknown = text;
  if (spec.encoding === "json") {
    try {
      data = JSON.parse(text);
    } catch {
      return { ok: false, reason: "payload is not JSON" };
    }
  }
  const parsed = spec.schema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: `${first?.path.join(".") || "payload"}: ${first?.message ?? "invalid"}` };
  }
  return { ok: true, value: parsed.data as PayloadOf<K> };
}
