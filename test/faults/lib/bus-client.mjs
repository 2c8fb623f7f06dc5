// A bus client for the fault tests, run inside a lab's gateway namespace (the broker listens on
// 127.0.0.1 there). argv: url username password clientId. Reads JSON lines on stdin:
//   {"id":1,"topic":"…","payload":"…","base64":false,"qos":1,"retain":false}
// and prints {"done":id} or {"failed":id,"error":"…"} for each, {"connected":true} on every connect.
// Exits when stdin closes.
import { createInterface } from "node:readline";
import mqtt from "mqtt";

const [url, username, password, clientId] = process.argv.slice(2);
const client = mqtt.connect(url, {
  protocolVersion: 4,
  clientId,
  clean: true,
  reconnectPeriod: 200,
  connectTimeout: 5000,
  ...(username ? { username, password } : {}),
});
const print = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
client.on("connect", () => print({ connected: true }));
client.on("error", (err) => print({ error: String(err.message) }));

let pending = 0;
let closing = false;
const maybeEnd = () => {
  if (closing && pending === 0) client.end(false, () => process.exit(0));
};
createInterface({ input: process.stdin })
  .on("line", (line) => {
    const op = JSON.parse(line);
    const payload = op.base64 ? Buffer.from(op.payload, "base64") : op.payload;
    pending++;
    client
      .publishAsync(op.topic, payload, { qos: op.qos ?? 1, retain: op.retain ?? false })
      .then(
        () => print({ done: op.id }),
        (err) => print({ failed: op.id, error: String(err?.message ?? err) }),
      )
      .finally(() => {
        pending--;
        maybeEnd();
      });
  })
  .on("close", () => {
    closing = true;
    maybeEnd();
  });
