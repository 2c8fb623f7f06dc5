/** The page's session: whether an operator is logged in, and the token each action must carry. */
export interface SessionInfo {
  operator: boolean;
  csrf: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function parse<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `HTTP ${res.status}`);
  return body as T;
}

export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { credentials: "same-origin", cache: "no-store" }));
}

export async function postJson<T>(path: string, body: unknown, csrf: string | null): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", ...(csrf === null ? {} : { "X-CSRF-Token": csrf }) },
    body: JSON.stringify(body ?? {}),
  });
  return parse<T>(res);
}
