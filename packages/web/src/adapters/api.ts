import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isWanpilotError, LinkAction, type WanpilotConfig } from "@wanpilot/common";
import { operatorLogin, operatorPassword, readSecretFile } from "@wanpilot/runtime";
import type { Logger } from "pino";
import * as z from "zod";
import { isHistoryWindow } from "../core/history.js";
import {
  clearedSessionCookie,
  sameOrigin,
  sameToken,
  sessionCookie,
  sessionIdFrom,
} from "../core/request-guard.js";
import { SESSION_TTL_MS, Sessions } from "../core/sessions.js";
import { LoginThrottle } from "../core/throttle.js";
import type { Commands } from "./commands.js";
import type { History } from "./history.js";
import type { Reply } from "./server.js";

const Login = z.strictObject({ password: z.string().min(1).max(1024) });
const ActionBody = z.strictObject({ value: z.number().int().optional() }).optional();
/** The actions the page offers (tier and reset stay with the CLI). */
const PAGE_ACTIONS = new Set<LinkAction>(["drain", "disable", "enable", "weight"]);

/** The operator's web password: web.password_file, or (on loopback) the bus operator's generated one. */
export function expectedPassword(config: WanpilotConfig): string {
  const file = config.web.password_file;
  return file === undefined
    ? operatorPassword(operatorLogin(config).path)
    : readSecretFile(file, "web.password_file");
}

const digest = (s: string) => createHash("sha256").update(s).digest();

export interface ApiDeps {
  config: () => WanpilotConfig;
  history: History;
  commands: Commands;
  log: Logger;
  now: () => number;
  /** Tests replace it; the page reads it on every login, so a changed file needs no restart. */
  password?: () => string;
}

/** The page's API: read-only for everyone, actions for a logged-in operator with the session's token. */
export function createApi(deps: ApiDeps) {
  const { log, now } = deps;
  const sessions = new Sessions();
  const throttle = new LoginThrottle();
  const password = deps.password ?? (() => expectedPassword(deps.config()));
  const client = (req: IncomingMessage) => req.socket.remoteAddress ?? "unknown";
  const session = (req: IncomingMessage) => sessions.get(sessionIdFrom(req.headers.cookie), now());

  const login = (req: IncomingMessage, body: unknown): Reply => {
    const who = client(req);
    const verdict = throttle.check(who, now());
    if (!verdict.ok) {
      log.warn({ client: who }, "login refused: too many failed attempts");
      return {
        status: 429,
        json: { error: "too many failed logins, try again later" },
        headers: { "Retry-After": String(Math.ceil(verdict.retryAfterMs / 1000)) },
      };
    }
    const parsed = Login.safeParse(body);
    const expected = password();
    if (!parsed.success || !timingSafeEqual(digest(parsed.data.password), digest(expected))) {
      throttle.failed(who, now());
      log.warn({ client: who }, "login failed");
      return { status: 401, json: { error: "wrong password" } };
    }
    const s = sessions.create(randomBytes(32).toString("hex"), randomBytes(32).toString("hex"), now());
    log.info({ client: who }, "operator logged in");
    return {
      status: 200,
      json: { operator: true, csrf: s.csrf },
      headers: { "Set-Cookie": sessionCookie(s.id, Math.floor(SESSION_TTL_MS / 1000)) },
    };
  };

  const act = async (req: IncomingMessage, path: string, body: unknown): Promise<Reply> => {
    const s = session(req);
    if (s === undefined) return { status: 401, json: { error: "log in as the operator first" } };
    if (!sameToken(String(req.headers["x-csrf-token"] ?? ""), s.csrf))
      return { status: 403, json: { error: "missing or stale CSRF token: reload the page" } };
    const [, , , link = "", name = ""] = path.split("/");
    const action = LinkAction.safeParse(name);
    const parsed = ActionBody.safeParse(body);
    if (!action.success || !PAGE_ACTIONS.has(action.data))
      return { status: 404, json: { error: "no such action" } };
    if (!deps.config().links.some((l) => l.name === link))
      return { status: 404, json: { error: "no such link" } };
    if (!parsed.success) return { status: 400, json: { error: "value must be an integer" } };
    const result = await deps.commands.send(link, action.data, parsed.data?.value);
    if (result === undefined)
      return { status: 504, json: { error: "the router did not answer (is it running?)" } };
    log.info({ link, action: action.data, result: result.result, client: client(req) }, "operator action");
    return { status: result.result === "accepted" ? 200 : 409, json: result };
  };

  const get = (req: IncomingMessage, path: string): Reply => {
    const url = new URL(req.url ?? "/", "http://page");
    if (path === "/api/session") {
      const s = session(req);
      return { status: 200, json: { operator: s !== undefined, csrf: s?.csrf ?? null } };
    }
    if (path === "/api/history") {
      const window = url.searchParams.get("window") ?? "24h";
      if (!isHistoryWindow(window))
        return { status: 400, json: { error: "window is one of 1h, 24h, 7d, 30d" } };
      try {
        const links = deps.config().links.map((l) => l.name);
        return { status: 200, json: deps.history.read(window, links, now()) };
      } catch (err: unknown) {
        if (!isWanpilotError(err, "DATABASE_FAILED")) throw err;
        return { status: 503, json: { error: err.message } };
      }
    }
    return { status: 404, json: { error: "not found" } };
  };

  return {
    async api(req: IncomingMessage, path: string, body: unknown): Promise<Reply> {
      if (req.method === "GET") return get(req, path);
      // Every POST changes something: only the page itself may send one.
      if (!sameOrigin(req.headers)) return { status: 403, json: { error: "cross-origin request refused" } };
      if (path === "/api/login") return login(req, body);
      if (path === "/api/logout") {
        sessions.delete(sessionIdFrom(req.headers.cookie));
        return { status: 200, json: { operator: false }, headers: { "Set-Cookie": clearedSessionCookie() } };
      }
      if (/^\/api\/links\/[^/]+\/[^/]+$/.test(path)) return await act(req, path, body);
      return { status: 404, json: { error: "not found" } };
    },
  };
}
