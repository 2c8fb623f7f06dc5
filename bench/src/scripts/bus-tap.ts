/**
 * Prints the state messages of one gateway's bus (link states of both families, router state and events, supervisor state) as JSON lines {t, topic, payload} (`node bus-tap.js <url> <gateway> [commands]`);
 * with `commands`, also the operators' link commands and their results (`operations`).
 * Runs inside the lab's gateway namespace, where the embedded broker listens on loopback (anonymous reads allowed).
 * `t` is the receive time (epoch ms); all namespaces share the realtime clock.
 */
import { topics } from "@wanpilot/common";
import mqtt from "mqtt";

async function main(): Promise<void> {
  const [url, gateway, extra] = process.argv.slice(2);
  if (url === undefined || gateway === undefined) throw new Error("usage: bus-tap <url> <gateway>");
  const client = mqtt.connect(url, {
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 200,
    connectTimeout: 2000,
  });
  client.on("message", (topic, raw) => {
    const text = raw.toString("utf8");
    let payload: unknown = text;
    try {
      payload = JSON.parse(text);
    } catch {
      // availability is a bare word
    }
    process.stdout.write(`${JSON.stringify({ t: Date.now(), topic, payload })}\n`);
  });
  client.on("connect", () => {
    // only what the bench reads: health messages would make the tap a load on the broker it measures
    client.subscribe(
      [
        topics.allLinkStates(gateway),
        topics.allLinkStates6(gateway),
        topics.routerState(gateway),
        topics.routerEvent(gateway),
        topics.supervisorState(gateway),
        ...(extra === "commands" ? [topics.allLinkCommands(gateway), topics.operations(gateway)] : []),
      ],
      { qos: 1 },
    );
    process.stdout.write(`${JSON.stringify({ t: Date.now(), topic: "", payload: "connected" })}\n`);
  });
  client.on("error", (err) => process.stderr.write(`${err.message}\n`));
  process.stdin.on("end", () => process.exit(0)).resume();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
