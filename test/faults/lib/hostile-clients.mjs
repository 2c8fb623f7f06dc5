// Hostile bus clients for broker-attack.test.ts, run inside a lab's gateway namespace.
// argv: port count durationMs. `count` workers for `durationMs`, each in a loop (bounded by the time):
//   oversized  – declares a 256 MB PUBLISH and streams zeros until the broker closes the socket;
//   silent     – opens a socket and never logs in (a byte every 500 ms, never a whole CONNECT);
//   ghost      – logs in anonymously with a persistent session (clean: false, a new client id each
//                time), subscribes to # at QoS 1 and vanishes without DISCONNECT.
// Prints one JSON line at the end: connections per kind and how many the broker closed.
import { connect } from "node:net";
import mqttPacket from "mqtt-packet";

const [port, count, durationMs] = process.argv.slice(2, 5).map(Number);
const only = process.argv[5];
const end = Date.now() + durationMs;
const stats = { oversized: 0, silent: 0, ghost: 0, closedByBroker: 0, ghostsSubscribed: 0 };
const zeros = Buffer.alloc(64 * 1024);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function open() {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.on("error", () => undefined);
    s.once("connect", () => resolve(s));
    s.once("close", () => resolve(s));
  });
}

/** Resolves when the socket is closed (by the broker, or by us at the end of the run). */
function closed(s) {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    const timer = setTimeout(() => s.destroy(), Math.max(0, end - Date.now()));
    s.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function oversized() {
  const s = await open();
  stats.oversized++;
  s.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
  const pump = () => {
    while (!s.destroyed && s.write(zeros));
  };
  s.on("drain", pump);
  pump();
  await closed(s);
  if (Date.now() < end) stats.closedByBroker++;
}

async function silent() {
  const s = await open();
  stats.silent++;
  const timer = setInterval(() => s.destroyed || s.write(Buffer.from([0x10])), 500);
  await closed(s);
  clearInterval(timer);
  if (Date.now() < end) stats.closedByBroker++;
}

let ghostId = 0;
async function ghost(worker) {
  const s = await open();
  stats.ghost++;
  const id = `ghost-${process.pid}-${worker}-${ghostId++}`;
  const connectPacket = {
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 4,
    clean: false,
    clientId: id,
    keepalive: 0,
  };
  s.write(mqttPacket.generate(connectPacket));
  s.write(mqttPacket.generate({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "#", qos: 1 }] }));
  const parser = mqttPacket.parser();
  const subscribed = new Promise((resolve) => {
    parser.on("packet", (p) => p.cmd === "suback" && resolve());
    setTimeout(resolve, 2000);
  });
  s.on("data", (d) => parser.parse(d));
  await subscribed;
  if (!s.destroyed) stats.ghostsSubscribed++;
  s.destroy();
  await sleep(50);
}

const kinds = [oversized, silent, ghost].filter((k) => only === undefined || k.name === only);
await Promise.all(
  Array.from({ length: count }, async (_, worker) => {
    const kind = kinds[worker % kinds.length];
    while (Date.now() < end) {
      await kind(worker);
      await sleep(20);
    }
  }),
);
process.stdout.write(`${JSON.stringify(stats)}\n`);
process.exit(0);
