/**
 * The lab's internet server, run as `node flow-server.js '<FlowServerConfig JSON>'` in the inet namespace.
 * Answers every TCP connection and UDP datagram with the ISP it came through (from the peer address,
 * which each ISP masquerades to its public address), then echoes TCP bytes so streams can be watched.
 * Exits when its stdin closes, so it never outlives the lab's creator.
 */
import { createSocket } from "node:dgram";
import { createServer, isIPv6 } from "node:net";
import type { FlowGreeting, FlowServerConfig } from "./flow-protocol.js";

const config = JSON.parse(process.argv[2] ?? "{}") as FlowServerConfig;

function greeting(peer: string, id?: string): string {
  const reply: FlowGreeting = {
    isp: config.peers[peer] ?? "unknown",
    peer,
    ...(id === undefined ? {} : { id }),
  };
  return JSON.stringify(reply);
}

let listening = 0;
function onListening(): void {
  listening += 1;
  if (listening === config.udpAddresses.length + 1) {
    process.stdout.write(`${JSON.stringify({ event: "ready" })}\n`);
  }
}

const tcp = createServer((socket) => {
  socket.on("error", () => socket.destroy());
  socket.setNoDelay(true);
  socket.write(`${greeting(socket.remoteAddress?.replace(/^::ffff:/, "") ?? "")}\n`);
  socket.pipe(socket);
});

const udpSockets = config.udpAddresses.map((address) => {
  const udp = createSocket(isIPv6(address) ? "udp6" : "udp4");
  udp.on("message", (message, remote) => {
    udp.send(greeting(remote.address, message.toString("utf8").slice(0, 64)), remote.port, remote.address);
  });
  udp.bind({ port: config.udpPort, address }, onListening);
  return udp;
});

function shutdown(): void {
  tcp.close();
  for (const udp of udpSockets) udp.close();
  process.exit(0);
}

tcp.listen({ port: config.tcpPort, host: config.dualStack ? "::" : "0.0.0.0" }, onListening);
process.stdin.on("end", shutdown).resume();
process.on("SIGTERM", shutdown);
