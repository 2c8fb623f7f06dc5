import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { type LinkState, topics, validateConfig } from "@wanpilot/common";
import { Store } from "@wanpilot/logger";
import { linkStateFixture, MemoryBus, silentLog, until } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAssets } from "../src/adapters/static.js";
import { run, type WebService } from "../src/index.js";

// The page's server in-process on a memory bus: what it serves, how it pushes, what it refuses.
const PASSWORD = "s3cret-for-tests";
const NOW = Date.parse("2026-06-01T12:00:00.000Z");
let dir: string;
let bus: MemoryBus;
let web: WebService;
let base: string;

const state = (link: string, s: LinkState["state"]): LinkState =>
  linkStateFixture(link, s, {
    since: new Date(NOW - 5000).toISOString(),
    at: new Date(NOW).toISOString(),
    cause: s === "down" ? "no reply from 3/3 targets for 3 rounds" : "answering",
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wanpilot-web-svc-"));
  writeFileSync(join(dir, "web.pass"), `${PASSWORD}\n`, { mode: 0o600 });
  const db = join(dir, "wanpilot.db");
  // Two hours of one sample per 10 s for dsl: the 1 h graph holds its last hour, downsampled.
  const store = Store.open(db);
  store.insertHealth(
    Array.from({ length: 720 }, (_, i) => ({
      link: "dsl",
      at: new Date(NOW - 7_200_000 + i * 10_000).toISOString(),
      windowMs: 10_000,
      state: "up" as const,
      rtt: { meanMs: 20 + (i % 10), minMs: 15, maxMs: 40, jitterMs: 2 },
      lossRatio: i % 2 === 0 ? 0 : 0.1,
      targets: [],
    })),
  );
  store.close();
  const parsed = validateConfig({
    gateway: "gw1",
    links: [
      { name: "dsl", interface: "wan1" },
      { name: "cable", interface: "wan2" },
    ],
    logger: { database: db },
    web: { password_file: join(dir, "web.pass") },
    runtime_dir: join(dir, "run"),
  });
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  bus = new MemoryBus();
  web = await run({ config: parsed.config, log: silentLog, bus, now: () => NOW, listen: "127.0.0.1:0" });
  base = `http://127.0.0.1:${web.port}`;
});

afterAll(async () => {
  await web?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A port nobody listens on now (the config needs a real one). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const address = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return typeof address === "object" && address !== null ? address.port : 0;
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: base, ...headers },
    body: JSON.stringify(body),
  });

describe("wanpilot web (in-process)", () => {
  it("serves the page with its security headers, gzipped, under 300 KB", async () => {
    const res = await fetch(`${base}/`, { headers: { "Accept-Encoding": "gzip" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/app.js">');
    // No secret in the page: neither the password nor anything like a token.
    expect(html).not.toContain(PASSWORD);
    const gzipped = [...loadAssets().values()].reduce((n, a) => n + a.gzip.length, 0);
    process.stderr.write(`[web service.test] page weight: ${gzipped} bytes gzipped\n`);
    expect(gzipped).toBeLessThan(300 * 1024);
    for (const a of loadAssets().values()) expect(gunzipSync(a.gzip).equals(a.body)).toBe(true);
  });

  it("pushes a link's new state to an open stream", async () => {
    const res = await fetch(`${base}/api/events`);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    const read = async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString("utf8");
      }
    };
    const reading = read().catch(() => undefined);
    await until("the first view", () => text.includes("event: live"), 5000);
    bus.deliver("linkState", topics.linkState("gw1", "dsl"), state("dsl", "down"));
    await until("dsl down on the stream", () => /"name":"dsl","state":"down"/.test(text), 5000);
    await reader.cancel();
    await reading;
  });

  it("serves the history downsampled from the database", async () => {
    const res = await fetch(`${base}/api/history?window=1h`);
    expect(res.status).toBe(200);
    const h = (await res.json()) as {
      links: Array<{ name: string; series: { t: number[]; rttMs: number[] } }>;
    };
    const dsl = h.links.find((l) => l.name === "dsl");
    expect(dsl?.series.t.length).toBe(360);
    expect(h.links.find((l) => l.name === "cable")?.series.t).toEqual([]);
    expect((await fetch(`${base}/api/history?window=2y`)).status).toBe(400);
  });

  it("refuses every POST from another origin or none", async () => {
    expect((await post("/api/login", { password: PASSWORD }, { Origin: "http://evil.example" })).status).toBe(
      403,
    );
    const noOrigin = await fetch(`${base}/api/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ password: PASSWORD }),
    });
    expect(noOrigin.status).toBe(403);
  });

  it("logs in with an HttpOnly SameSite=Strict cookie; actions need its CSRF token", async () => {
    const ok = await post("/api/login", { password: PASSWORD });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const { csrf } = (await ok.json()) as { csrf: string };
    const session = cookie.split(";")[0] ?? "";
    expect((await post("/api/links/dsl/drain", {}, { Cookie: session })).status).toBe(403);
    expect(
      (await post("/api/links/dsl/drain", {}, { Cookie: session, "X-CSRF-Token": `${csrf}x` })).status,
    ).toBe(403);
    expect((await post("/api/links/dsl/drain", {})).status).toBe(401);
    expect((await post("/api/links/nope/drain", {}, { Cookie: session, "X-CSRF-Token": csrf })).status).toBe(
      404,
    );
    expect(
      (await post("/api/links/dsl/tier", { value: 2 }, { Cookie: session, "X-CSRF-Token": csrf })).status,
    ).toBe(404);
    // With the token: sent as the operator, who is not there (no broker in this test): 503, with why.
    const noBroker = await post("/api/links/dsl/drain", {}, { Cookie: session, "X-CSRF-Token": csrf });
    expect(noBroker.status).toBe(503);
    expect(((await noBroker.json()) as { error: string }).error).toMatch(/not running/);
    const who = await fetch(`${base}/api/session`, { headers: { Cookie: session } });
    expect(await who.json()).toEqual({ operator: true, csrf });
  });

  it("rate-limits failed logins (429 with Retry-After), even for the right password then", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post("/api/login", { password: `guess${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const after = await post("/api/login", { password: PASSWORD });
    expect(after.status).toBe(429);
    expect(Number(after.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("moves to a new web.listen on reload, without a restart", async () => {
    const [a, b] = [await freePort(), await freePort()];
    const config = (port: number) => {
      const c = validateConfig({
        links: [{ name: "dsl", interface: "wan1" }],
        logger: { database: join(dir, "none.db") },
        web: { listen: `127.0.0.1:${port}`, password_file: join(dir, "web.pass") },
        runtime_dir: join(dir, "run"),
      });
      if (!c.ok) throw new Error(c.problems.join("\n"));
      return c.config;
    };
    const moving = await run({ config: config(a), log: silentLog, bus: new MemoryBus() });
    try {
      expect((await fetch(`http://127.0.0.1:${a}/api/session`)).status).toBe(200);
      await moving.reload(config(b));
      expect(moving.port).toBe(b);
      expect((await fetch(`http://127.0.0.1:${b}/api/session`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${a}/api/session`)).rejects.toThrow();
      // No database yet: the history says so instead of failing.
      expect((await fetch(`http://127.0.0.1:${b}/api/history`)).status).toBe(503);
    } finally {
      await moving.stop();
    }
  });
});
