/** A logged-in operator's session: the cookie's id and the token every action must carry. */
export interface Session {
  id: string;
  csrf: string;
  expiresMs: number;
}

export const SESSION_TTL_MS = 8 * 3_600_000;
/** Bounds memory however many logins succeed; the oldest session goes first. */
export const MAX_SESSIONS = 32;

/** Sessions in memory (a restart of the page logs everyone out); ids and tokens come from the caller. */
export class Sessions {
  private readonly byId = new Map<string, Session>();

  create(id: string, csrf: string, nowMs: number): Session {
    this.expire(nowMs);
    const session = { id, csrf, expiresMs: nowMs + SESSION_TTL_MS };
    this.byId.set(id, session);
    while (this.byId.size > MAX_SESSIONS) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.byId.delete(oldest);
    }
    return session;
  }

  get(id: string | undefined, nowMs: number): Session | undefined {
    if (id === undefined) return undefined;
    const s = this.byId.get(id);
    if (s === undefined || s.expiresMs <= nowMs) {
      this.byId.delete(id ?? "");
      return undefined;
    }
    return s;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.byId.delete(id);
  }

  private expire(nowMs: number): void {
    for (const [id, s] of this.byId) if (s.expiresMs <= nowMs) this.byId.delete(id);
  }
}
