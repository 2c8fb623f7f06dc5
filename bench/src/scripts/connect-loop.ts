/**
 * A LAN client for the failover scenario (`node connect-loop.js '<ConnectLoopConfig JSON>'`, run in the
 * lab's LAN namespace): opens a new TCP connection to the flow server every intervalMs, each with a short
 * timeout, and prints one JSON line per attempt: {t, ok, isp?, error?}. Bounded by count and duration.
 */
import { connect } from "node:net";

export interface ConnectLoopConfig {
  host: string;
  port: number;
  intervalMs: number;
  timeoutMs: number;
  durationMs: number;
  maxAttempts: number;
}

export interface Attempt {
  /** When the attempt started (epoch ms). */
  t: number;
  ok: boolean;
  isp?: string;
  error?: string;
}

function attempt(cfg: ConnectLoopConfig): Promise<Attempt> {
  const t = Date.now();
  return new Promise((resolve) => {
    const sock = connect({ host: cfg.host, port: cfg.port });
    let buf = "";
    const done = (a: Attempt) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => done({ t, ok: false, error: "timeout" }), cfg.timeoutMs);
    sock.on("data", (d) => {
      buf += d.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      try {
        const isp = (JSON.parse(buf.slice(0, nl)) as { isp?: unknown }).isp;
        done({ t, ok: true, ...(typeof isp === "string" ? { isp } : {}) });
      } catch {
        done({ t, ok: false, error: "bad greeting" });
      }
    });
    sock.on("error", (err: NodeJS.ErrnoException) => done({ t, ok: false, error: err.code ?? err.message }));
  });
}

function main(): void {
  const cfg = JSON.parse(process.argv[2] ?? "") as ConnectLoopConfig;
  const end = Date.now() + cfg.durationMs;
  let sent = 0;
  const timer = setInterval(() => {
    if (Date.now() >= end || sent >= cfg.maxAttempts) {
      clearInterval(timer);
      setTimeout(() => process.exit(0), cfg.timeoutMs + 100);
      return;
    }
    sent++;
    void attempt(cfg).then((a) => process.stdout.write(`${JSON.stringify(a)}\n`));
  }, cfg.intervalMs);
  process.stdin.on("end", () => process.exit(0)).resume();
}

main();
