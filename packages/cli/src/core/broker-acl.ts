import { timingSafeEqual } from "node:crypto";
import {
  type BusConfig,
  type Component,
  componentId,
  HA_PREFIX,
  haStatusTopic,
  mayPublish,
  OPERATOR_USERNAME,
  operatorMayPublish,
  parseComponentId,
} from "@wanpilot/common";

/** Who a connected client is, as far as the embedded broker is concerned. */
export type Principal =
  | { kind: "component"; component: Component }
  | { kind: "reader"; username: string }
  | { kind: "homeassistant"; username: string }
  | { kind: "operator" }
  | { kind: "anonymous" };

/** The credential's name, as commands and the audit trail record it. */
export function principalName(p: Principal | undefined): string {
  if (p === undefined) return "unknown";
  if (p.kind === "component") return componentId(p.component);
  if (p.kind === "reader" || p.kind === "homeassistant") return p.username;
  return p.kind;
}

export interface AclContext {
  gateway: string;
  links: ReadonlySet<string>;
  anonymous: BusConfig["anonymous"];
  /** The password a username must present (derived for components, from password_file for the reader). */
  expectedPassword: (username: string) => string | undefined;
  /** The configured read-only remote user, if any. */
  readerUsername?: string;
  /** Home Assistant's user (homeassistant.username), if any: reads, and publishes only on `<prefix>/status`. */
  haUsername?: string;
  /** Home Assistant's discovery prefix (default "homeassistant"). */
  haPrefix?: string;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: string };

export function isLoopbackAddress(addr: string | undefined): boolean {
  if (addr === undefined) return false;
  const v4 = addr.startsWith("::ffff:") ? addr.slice(7) : addr;
  return v4 === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

function samePassword(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function anonymousAllowed(ctx: AclContext, remoteAddress: string | undefined): boolean {
  if (ctx.anonymous === "any") return true;
  return ctx.anonymous === "loopback" && isLoopbackAddress(remoteAddress);
}

/** CONNECT: components with their derived password, the configured reader, or anonymous where allowed. */
export function authenticate(
  ctx: AclContext,
  req: {
    username?: string | undefined;
    password?: string | undefined;
    remoteAddress?: string | undefined;
    clientId?: string | undefined;
  },
): AuthResult {
  const result = authenticateUser(ctx, req);
  // An MQTT client id takes over the session of the same id: only components may use wanpilot's ids.
  if (result.ok && result.principal.kind !== "component" && req.clientId?.startsWith(RESERVED_CLIENT_PREFIX))
    return { ok: false, reason: `client ids starting with ${RESERVED_CLIENT_PREFIX} are reserved` };
  return result;
}

/** Client ids of wanpilot's own processes start with this. */
export const RESERVED_CLIENT_PREFIX = "wanpilot-";

function authenticateUser(
  ctx: AclContext,
  req: { username?: string | undefined; password?: string | undefined; remoteAddress?: string | undefined },
): AuthResult {
  if (req.username === undefined || req.username === "") {
    if (req.password !== undefined) return { ok: false, reason: "a password without a username" };
    return anonymousAllowed(ctx, req.remoteAddress)
      ? { ok: true, principal: { kind: "anonymous" } }
      : { ok: false, reason: `anonymous clients are not allowed (bus.anonymous: ${ctx.anonymous})` };
  }
  const expected = ctx.expectedPassword(req.username);
  if (expected === undefined || req.password === undefined || !samePassword(req.password, expected))
    return { ok: false, reason: `bad username or password for ${JSON.stringify(req.username)}` };
  if (req.username === ctx.readerUsername)
    return { ok: true, principal: { kind: "reader", username: req.username } };
  if (req.username === ctx.haUsername)
    return { ok: true, principal: { kind: "homeassistant", username: req.username } };
  if (req.username === OPERATOR_USERNAME) return { ok: true, principal: { kind: "operator" } };
  const component = parseComponentId(req.username);
  if (component === undefined) return { ok: false, reason: `unknown user ${JSON.stringify(req.username)}` };
  if (component.kind === "prober" && !ctx.links.has(component.link))
    return { ok: false, reason: `no link ${JSON.stringify(component.link)} in the config` };
  return { ok: true, principal: { kind: "component", component } };
}

/** Home Assistant's user, or the operator's credential given to Home Assistant so its controls take effect. */
const mayActAsHa = (who: Principal | undefined) => who?.kind === "homeassistant" || who?.kind === "operator";

/**
 * PUBLISH (and last wills): components only on their own topics (common's mayPublish); Home Assistant
 * (its own user, or the operator's) only its birth and will (its MQTT integration sets both, and a
 * refused will would keep it out). Anyone
 * connected may send a command: the broker stamps who sent it, and the router refuses, with a reason
 * on `operations`, every command not from the operator (the sender stays connected).
 */
export function authorizePublish(ctx: AclContext, who: Principal | undefined, topic: string): boolean {
  if (who !== undefined && operatorMayPublish(ctx.gateway, topic)) return true;
  const prefix = ctx.haPrefix ?? HA_PREFIX;
  if (mayActAsHa(who)) return topic === haStatusTopic(prefix);
  return who?.kind === "component" && mayPublish(who.component, ctx.gateway, topic, prefix);
}

/** A command as the router gets it: `by` set to the sender's credential (whatever the sender wrote there). */
export function stampCommand(payload: Buffer, by: string): Buffer {
  let data: unknown;
  try {
    data = JSON.parse(payload.toString("utf8"));
  } catch {
    return payload;
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return payload;
  return Buffer.from(JSON.stringify({ ...data, by }));
}

/**
 * A last will is checked at CONNECT, before the username is verified: it must be one the claimed
 * component may publish, so a will can never be used to publish what a PUBLISH could not.
 */
export function willAllowed(ctx: AclContext, username: string | undefined, willTopic: string): boolean {
  if (username !== undefined && (username === ctx.haUsername || username === OPERATOR_USERNAME))
    return willTopic === haStatusTopic(ctx.haPrefix ?? HA_PREFIX);
  const component = username === undefined ? undefined : parseComponentId(username);
  return component !== undefined && mayPublish(component, ctx.gateway, willTopic, ctx.haPrefix ?? HA_PREFIX);
}
