#!/usr/bin/env -S node --max-semi-space-size=1
// A small young generation: the embedded broker under a flood of connections otherwise grows V8's
// new space to 32 MiB and more (docs/security.md). The parts get it from the supervisor (CHILD_NODE_FLAGS).
// Thin launcher: the compiled CLI lives in dist (built by `npm ci` through the root `prepare` script). A part
// or `start` runs from its bundle (dist/bundle, one file each: see dist/bundles.js), everything else from dist.
import { bundleUrl } from "../dist/bundles.js";

// Once a command has finished, a leftover handle (a socket's linger, a library timer) must not keep
// the process alive: exit at the latest shortly after.
const exitSoon = (code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 250).unref();
};

// `wanpilot status | head`: a reader that goes away is not an error.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

// Node exits quietly with code 0 when nothing is left to wait for, even with the command unfinished
// (seen: a part whose MQTT client stopped reconnecting after losing the broker during start-up).
// That is a failure: say so and exit non-zero, so `wanpilot start` or systemd restarts it.
let finished = false;
process.on("beforeExit", () => {
  if (finished) return;
  process.stderr.write("wanpilot: stopped unexpectedly (nothing left to wait for: bus connection lost?)\n");
  process.exit(70);
});

const argv = process.argv.slice(2);
const { main } = await import(bundleUrl(argv)?.href ?? "../dist/main.js");
main(argv).then(
  (code) => {
    finished = true;
    exitSoon(code);
  },
  (err) => {
    finished = true;
    process.stderr.write(`wanpilot: ${err instanceof Error ? err.message : String(err)}\n`);
    exitSoon(1);
  },
);
