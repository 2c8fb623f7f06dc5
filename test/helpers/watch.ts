import { Spawned } from "./process.js";

/**
 * An anonymous `mosquitto_sub -t 'wanpilot/#' -v`, run with `prefix` (e.g. `ip netns exec <ns>`),
 * the way a person would watch the bus. Keeps every message in order.
 */
export class BusWatch {
  readonly sub: Spawned;

  constructor(prefix: string[], port: number, extra: string[] = []) {
    this.sub = new Spawned([
      ...prefix,
      "mosquitto_sub",
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-t",
      "wanpilot/#",
      "-v",
      "-q",
      "1",
      ...extra,
    ]);
  }

  messages(): Array<{ topic: string; payload: string; atMs: number }> {
    return this.sub.lines
      .filter((l) => l.stream === "out")
      .map(({ line, atMs }) => {
        const i = line.indexOf(" ");
        return { topic: line.slice(0, i), payload: line.slice(i + 1), atMs };
      });
  }

  /** The last payload seen on `topic`. */
  last(topic: string): string | undefined {
    return this.messages()
      .filter((m) => m.topic === topic)
      .at(-1)?.payload;
  }

  async close(): Promise<void> {
    await this.sub.stop("SIGTERM", 3000);
  }
}
