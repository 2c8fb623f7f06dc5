// A client that behaves like Home Assistant's MQTT integration: MQTT 3.1.1, last will and birth on
// `<prefix>/status`, subscribes to `<prefix>/#` for discovery, then to each entity's state and availability
// topics. Prints one JSON line per event; ends after the given seconds with a summary line.
// Usage: node ha-client.mjs <url> <username|-> <password|-> <prefix> <seconds>
import mqtt from "mqtt";

const [url, user, pass, prefix, seconds] = process.argv.slice(2);
const out = (o) => process.stdout.write(`${JSON.stringify({ ...o, atMs: Date.now() })}\n`);
const status = `${prefix}/status`;
const client = mqtt.connect(url, {
  protocolVersion: 4,
  clean: true,
  keepalive: 60,
  reconnectPeriod: 0,
  clientId: `ha-like-${process.pid}`,
  ...(user === "-" ? {} : { username: user, password: pass }),
  will: { topic: status, payload: "offline", qos: 0, retain: false },
});
let closes = 0;
const watched = new Set();
client.on("connect", () => {
  out({ event: "connect" });
  client.publish(status, "online", { qos: 0, retain: false }, (err) =>
    out({ event: "birth", error: err?.message ?? null }),
  );
  client.subscribe(`${prefix}/#`, { qos: 0 });
});
client.on("message", (topic, raw) => {
  const payload = raw.toString("utf8");
  out({ event: "message", topic, payload });
  if (!topic.startsWith(`${prefix}/`) || !topic.endsWith("/config") || payload === "") return;
  let config;
  try {
    config = JSON.parse(payload);
  } catch {
    return;
  }
  for (const t of [config.state_topic, ...(config.availability ?? []).map((a) => a.topic)])
    if (typeof t === "string" && !watched.has(t)) {
      watched.add(t);
      client.subscribe(t, { qos: 0 });
    }
});
client.on("close", () => {
  closes++;
  out({ event: "close" });
});
client.on("error", (err) => out({ event: "error", message: err.message }));
setTimeout(() => {
  out({ event: "done", closes, connected: client.connected });
  client.end(false, () => process.exit(0));
}, Number(seconds) * 1000);
