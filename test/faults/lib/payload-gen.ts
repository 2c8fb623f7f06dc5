import { decodePayload, MAX_PAYLOAD_BYTES, type TopicKind } from "@wanpilot/common";
import type { Rng } from "./rng.js";

/**
 * Bad payloads for every topic kind: malformed bytes, oversized, wrong-typed (a valid payload with one
 * field broken) — each checked against the contract so it must be refused — and out-of-order ones
 * (valid by the schema but stale, from the future, or about another link than their topic's).
 */

const NOW = () => new Date().toISOString();
const STALE = "2000-01-01T00:00:00.000Z";
const FUTURE = "2100-01-01T00:00:00.000Z";

/** A valid payload of each kind about `link`. */
export function validSample(kind: TopicKind, link: string, id: string): unknown {
  const at = NOW();
  const route = { tier: 1, nexthops: [{ link, weight: 1 }], mode: "balanced" };
  switch (kind) {
    case "availability":
      return "online";
    case "linkState":
      return {
        link,
        state: "up",
        since: at,
        cause: "fault test",
        interface: "wan1",
        source: "198.18.1.2",
        gateway: "198.18.1.1",
        carrier: true,
        rttMs: 1,
        lossRatio: 0,
        at,
      };
    case "linkHealth":
      return {
        link,
        at,
        windowMs: 5000,
        state: "up",
        rtt: { meanMs: 1, minMs: 1, maxMs: 2, jitterMs: 0.1 },
        lossRatio: 0,
        targets: [{ target: "203.0.113.1", method: "icmp", rtt: null, lossRatio: 0, samples: 3 }],
      };
    case "linkEvent":
      return { id, link, from: "up", to: "down", at, cause: "fault test" };
    case "routerState":
      return { at, defaultRoute: route, links: [], rules: [], lastChange: null };
    case "routerEvent":
      return { id, at, reason: "fault test", defaultRoute: route, flushed: [] };
    case "loggerAck":
      return { ids: [id], at };
    case "supervisorState":
      return { at, processes: [] };
    default:
      return {};
  }
}

function encode(kind: TopicKind, value: unknown): string {
  return kind === "availability" ? String(value) : JSON.stringify(value);
}

const WRONG: unknown[] = [
  null,
  0,
  -1,
  1e308,
  "",
  "x",
  "up",
  true,
  [],
  {},
  [1],
  { a: 1 },
  "2026-13-45T99:99:99Z",
];

/** Every [path] into a JSON value, leaves and containers. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== "object") return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function withField(value: unknown, path: Array<string | number>, replacement: unknown, remove: boolean) {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  if (path.length === 0) return replacement;
  let cur = copy;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (remove) delete cur[last];
  else cur[last] = replacement;
  return copy;
}

function randomBytes(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(0, 255);
  return b;
}

export type BadCategory = "malformed" | "oversized" | "wrong-typed";

function malformed(kind: TopicKind, rng: Rng, sample: unknown): Buffer | string {
  const text = encode(kind, sample);
  switch (rng.int(0, 9)) {
    case 0:
      return randomBytes(rng, rng.int(1, 512));
    case 1:
      return text.slice(0, rng.int(0, text.length - 1));
    case 2:
      return rng.pick(["", "null", "[]", "true", "NaN", "{", "}", "undefined", "0", '"online"']);
    case 3:
      return Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]); // invalid UTF-8
    case 4:
      return `\ufeff${text}x`;
    case 5: {
      const depth = rng.int(1000, 20_000); // deep nesting, still under the size cap
      return `${"[".repeat(depth)}${"]".repeat(depth)}`;
    }
    case 6:
      return `${text}${text}`;
    case 7:
      return text.replace(/"/g, "'");
    case 8:
      return `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`;
    default:
      return Buffer.concat([Buffer.from(text), Buffer.from([0])]);
  }
}

function oversized(kind: TopicKind, rng: Rng, sample: unknown): string {
  const size = rng.chance(0.8) ? MAX_PAYLOAD_BYTES + rng.int(1, 4096) : rng.int(100_000, 1_000_000);
  if (kind === "availability") return `online${" ".repeat(size)}`;
  return JSON.stringify({ ...(sample as object), pad: "x".repeat(size) });
}

function wrongTyped(kind: TopicKind, rng: Rng, sample: unknown): string {
  if (kind === "availability")
    return rng.pick(["Online", "OFFLINE", "online\n", " offline", "1", "on", "null"]);
  const all = paths(sample);
  const path = rng.pick(all);
  const remove = path.length > 0 && rng.chance(0.2);
  return JSON.stringify(withField(sample, path, rng.pick(WRONG), remove));
}

/** One payload of `category` that the contract refuses (undefined if none was found in a few tries). */
export function badPayload(kind: TopicKind, category: BadCategory, rng: Rng, link: string, id: string) {
  const sample = validSample(kind, link, id);
  for (let tries = 0; tries < 20; tries++) {
    const payload =
      category === "malformed"
        ? malformed(kind, rng, sample)
        : category === "oversized"
          ? oversized(kind, rng, sample)
          : wrongTyped(kind, rng, sample);
    if (!decodePayload(kind, payload).ok) return payload;
  }
  return undefined;
}

/** Payloads the schema accepts but that must not be taken at face value. */
export function outOfOrder(kind: TopicKind, rng: Rng, link: string, otherLink: string, id: string) {
  const sample = validSample(kind, link, id) as Record<string, unknown>;
  const choice = rng.int(0, 2);
  if (kind === "linkState") {
    const down = { ...sample, state: "down", carrier: false, cause: "forged" };
    if (choice === 0) return { what: "stale state", payload: { ...down, at: STALE, since: STALE } };
    if (choice === 1) return { what: "other link's state", payload: { ...down, link: otherLink } };
    return { what: "future state", payload: { ...down, at: FUTURE, since: FUTURE, state: "up" } };
  }
  if (kind === "linkEvent") {
    if (choice === 0) return { what: "stale event", payload: { ...sample, at: STALE } };
    if (choice === 1) return { what: "other link's event", payload: { ...sample, link: otherLink } };
    return { what: "event from the future", payload: { ...sample, at: FUTURE } };
  }
  return { what: "stale", payload: typeof sample === "object" ? { ...sample, at: STALE } : sample };
}
