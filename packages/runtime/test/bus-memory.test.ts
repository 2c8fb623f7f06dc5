import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Aedes } from "aedes";
import { pino } from "pino";
import { expect, it } from "vitest";
import { connectBus } from "../src/bus.js";
import { ensureBusSecret } from "../src/credentials.js";
import { busTestConfig } from "./bus-config.js";

// The module mqtt and aedes write packets with; its cache is what a part would keep for nothing.
const numbers = createRequire(import.meta.url)("mqtt-packet/numbers.js") as { cache: Record<number, Buffer> };

it("a bus client leaves mqtt-packet's per-packet-id Buffer cache empty (~7 MiB of heap per process)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wanpilot-bus-memory-"));
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    ensureBusSecret(dir);
    const port = (server.address() as { port: number }).port;
    const bus = await connectBus({
      config: busTestConfig(dir, port),
      component: { kind: "router" },
      log: pino({ level: "silent" }),
    });
    // Connecting wrote CONNECT and the retained `online`: packets went through mqtt-packet both ways.
    await bus.close();
    expect(Object.keys(numbers.cache)).toHaveLength(0);
  } finally {
    server.close();
    await new Promise<void>((r) => broker.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});
