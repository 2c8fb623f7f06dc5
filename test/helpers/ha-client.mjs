// A client that behaves like Home Assistant's MQTT integration: MQTT 3.1.1, last will and birth on
// `<prefix>/status`, subscribes to `<prefix>/#` for discovery, then to each entity's state and availability
// topics. Prints one JSON line per event; ends after the given seconds with a summary line.
// A control is used as Home Assistant does when its stdin gets `{"unique_id": …, "value": …}`: a switch
// publishes payload_on / payload_off ("ON" / "OFF"), a button payload_press, a number its command_template;
// `{"subscribe": topic}` watches one more topic.
// Usage: node ha-client.mjs <url> <username|-> <password|-> <prefix> <seconds>
import { createInterface } from "node:readline";
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
/** Discovered entities by unique_id. */
const entities = new Map();
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
  if (typeof config.unique_id === "string") entities.set(config.unique_id, config);
  for (const t of [config.state_topic, ...(config.availability ?? []).map((a) => a.topic)])
    if (typeof t === "string" && !watched.has(t)) {
      watched.add(t);
      client.subscribe(t, { qos: 0 });
    }
});
/** What Home Assistant publishes when a control is used (only `{{ value | int }}` of its templates). */
function commandPayload(config, value) {
  if (config.payload_press !== undefined) return config.payload_press;
  if (config.command_template !== undefined)
    return config.command_template.replace(
      /\{\{\s*value\s*\|\s*int\s*\}\}/,
      String(Math.trunc(Number(value))),
    );
  return value === "ON" ? config.payload_on : config.payload_off;
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const { unique_id: id, value, subscribe } = JSON.parse(line);
  // A test's own extra topic (the command results on `operations`).
  if (subscribe !== undefined) return client.subscribe(subscribe, { qos: 0 });
  const config = entities.get(id);
  if (config?.command_topic === undefined)
    return out({ event: "command", unique_id: id, error: "no such control" });
  const payload = commandPayload(config, value);
  client.publish(config.command_topic, payload, { qos: 0, retain: false }, (err) =>
    out({
      event: "command",
      unique_id: id,
      topic: config.command_topic,
      payload,
      error: err?.message ?? null,
    }),
  );
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
