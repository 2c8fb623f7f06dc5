/**
 * The lab's LAN client, run as `node flow-client.js '<FlowClientConfig JSON>'` in a namespace.
 * "flows": opens `count` short TCP connections or UDP exchanges (each a new source port, so a new
 * conntrack entry) and prints which ISP each took. "streams": keeps `count` TCP connections sending and
 * counting echoed bytes. Prints JSON lines (FlowClientEvent); every loop is bounded in count and time.
 */
import { createSocket } from "node:dgram";
import { connect, isIPv6, type Socket } from "node:net";
import type { FlowClientEvent, FlowsConfig, StreamsConfig } from "./flow-protocol.js";
import { parseJsonLine } from "./flow-protocol.js";

function emit(event: FlowClientEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function ispOf(line: string): string | undefined {
  const isp = parseJsonLine(line)?.isp;
  return typeof isp === "string" ? isp : undefined;
}

function tcpFlow(config: FlowsConfig): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: config.host,
      port: config.port,
      ...(config.from ? { localAddress: config.from } : {}),
    });
    let buffered = "";
    const timer = setTimeout(() => socket.destroy(new Error("timeout")), config.timeoutMs);
    socket.on("data", (data) => {
      buffered += data.toString("utf8");
      const newline = buffered.indexOf("\n");
      if (newline < 0) return;
      clearTimeout(timer);
      socket.destroy();
      const isp = ispOf(buffered.slice(0, newline));
      if (isp === undefined) reject(new Error("bad greeting"));
      else resolve(isp);
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      reject(new Error("closed"));
    });
  });
}

function udpFlow(config: FlowsConfig, index: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(config.host) ? "udp6" : "udp4");
    const id = String(index);
    const finish = (error: Error | undefined, isp?: string): void => {
      clearTimeout(timer);
      socket.close();
      if (isp !== undefined) resolve(isp);
      else reject(error ?? new Error("no reply"));
    };
    const timer = setTimeout(() => finish(new Error("timeout")), config.timeoutMs);
    socket.on("error", (error) => finish(error));
    socket.on("message", (message) => {
      const reply = parseJsonLine(message.toString("utf8"));
      if (reply?.id === id && typeof reply.isp === "string") finish(undefined, reply.isp);
    });
    socket.bind({ port: 0, ...(config.from ? { address: config.from } : {}) }, () => {
      socket.send(id, config.port, config.host);
    });
  });
}

async function runFlows(config: FlowsConfig): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < config.count) {
      const index = next++;
      try {
        const isp = config.proto === "tcp" ? await tcpFlow(config) : await udpFlow(config, index);
        emit({ event: "flow", index, isp });
      } catch (error) {
        emit({ event: "flow", index, error: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, config.count) }, worker));
  emit({ event: "done" });
}

function openStream(config: StreamsConfig, index: number, counts: number[]): Socket {
  const socket = connect({
    host: config.host,
    port: config.port,
    ...(config.from ? { localAddress: config.from } : {}),
  });
  socket.setNoDelay(true);
  const chunk = Buffer.alloc(config.chunkBytes, 0x61);
  let greeted = false;
  let pending = "";
  const connectTimer = setTimeout(
    () => socket.destroy(new Error("connect timeout")),
    config.connectTimeoutMs,
  );
  const writer = setInterval(() => {
    if (greeted && socket.writable && socket.writableLength < 64 * 1024) socket.write(chunk);
  }, config.intervalMs);
  socket.on("data", (data) => {
    if (greeted) {
      counts[index] = (counts[index] ?? 0) + data.length;
      return;
    }
    pending += data.toString("latin1");
    const newline = pending.indexOf("\n");
    if (newline < 0) return;
    greeted = true;
    clearTimeout(connectTimer);
    emit({ event: "connected", index, isp: ispOf(pending.slice(0, newline)) ?? "unknown" });
    counts[index] = (counts[index] ?? 0) + pending.length - newline - 1;
  });
  let lastError: string | undefined;
  socket.on("error", (error: NodeJS.ErrnoException) => {
    lastError = error.code ?? error.message;
  });
  socket.on("close", () => {
    clearTimeout(connectTimer);
    clearInterval(writer);
    emit({ event: "closed", index, ...(lastError === undefined ? {} : { error: lastError }) });
  });
  return socket;
}

function runStreams(config: StreamsConfig): void {
  const counts = Array.from({ length: config.count }, () => 0);
  const sockets = counts.map((_, index) => openStream(config, index, counts));
  const reporter = setInterval(() => emit({ event: "bytes", bytes: counts }), config.reportMs);
  const finish = (): void => {
    clearInterval(reporter);
    emit({ event: "bytes", bytes: counts });
    emit({ event: "done" });
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  };
  setTimeout(finish, config.durationMs);
  process.stdin.on("end", finish).resume();
  process.on("SIGTERM", finish);
}

const config = JSON.parse(process.argv[2] ?? "{}") as FlowsConfig | StreamsConfig;
if (config.mode === "flows") await runFlows(config);
else runStreams(config);
