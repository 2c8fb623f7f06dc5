import { execa } from "execa";
import { Spawned } from "./process.js";

const HA_CLIENT = new URL("./ha-client.mjs", import.meta.url).pathname;

/** GET /metrics from inside a namespace (`prefix`: `ip netns exec <ns>`), with node's fetch. */
export async function scrape(prefix: string[], port: number): Promise<string> {
  const script = `fetch("http://127.0.0.1:${port}/metrics").then(async (r) => { if (!r.ok) process.exit(2); process.stdout.write(await r.text()); })`;
  const r = await execa(prefix[0] ?? "", [...prefix.slice(1), process.execPath, "-e", script], {
    timeout: 10_000,
    stripFinalNewline: false,
  });
  return r.stdout;
}

/** What `promtool check metrics` says about an exposition (empty: nothing to report). */
export async function promtool(text: string): Promise<string> {
  const r = await execa("promtool", ["check", "metrics"], { input: text, reject: false, timeout: 30_000 });
  return `${r.stdout}${r.stderr}`.trim();
}

/** One sample's value: `name` with exactly these labels among its own (others ignored); undefined when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}

/** Every metric family name in an exposition. */
export function familyNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? ""));
}

/** test/helpers/ha-client.mjs, run with `prefix` (e.g. in the gateway's namespace). */
export class HaLikeClient {
  readonly proc: Spawned;
  constructor(
    prefix: string[],
    url: string,
    user: string | undefined,
    password: string | undefined,
    haPrefix: string,
    seconds: number,
  ) {
    this.proc = new Spawned(
      [...prefix, process.execPath, HA_CLIENT, url, user ?? "-", password ?? "-", haPrefix, String(seconds)],
      process.env,
      "pipe",
    );
  }

  /** Watches one more topic (its messages are events like the others). */
  subscribe(topic: string): void {
    this.proc.proc.stdin?.write(`${JSON.stringify({ subscribe: topic })}\n`);
  }

  /** Uses a discovered control as Home Assistant would: a switch "ON"/"OFF", a number's value, a button. */
  use(uniqueId: string, value?: string | number): void {
    this.proc.proc.stdin?.write(`${JSON.stringify({ unique_id: uniqueId, value })}\n`);
  }

  events(): Array<Record<string, unknown>> {
    return this.proc.json();
  }

  /** Retained discovery configs as last seen (topic → parsed payload; removed ones absent). */
  discovery(haPrefix: string): Map<string, unknown> {
    const found = new Map<string, unknown>();
    for (const e of this.events()) {
      const topic = String(e.topic ?? "");
      if (e.event !== "message" || !topic.startsWith(`${haPrefix}/`) || !topic.endsWith("/config")) continue;
      if (e.payload === "") found.delete(topic);
      else found.set(topic, JSON.parse(String(e.payload)));
    }
    return found;
  }

  /** The last payload on `topic`. */
  last(topic: string): string | undefined {
    return this.events()
      .filter((e) => e.event === "message" && e.topic === topic)
      .map((e) => String(e.payload))
      .at(-1);
  }
}

/** Scrapes until `check(text)` holds (every 500 ms), then returns that scrape. */
export async function scrapeUntil(
  prefix: string[],
  port: number,
  check: (text: string) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<string> {
  const end = Date.now() + timeoutMs;
  let text = "";
  for (;;) {
    text = await scrape(prefix, port).catch(() => "");
    if (check(text)) return text;
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last scrape:\n${text}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
