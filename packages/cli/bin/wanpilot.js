#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist (built by `npm ci` through the root `prepare` script).
import { main } from "../dist/main.js";

// Once a command has finished, a leftover handle (a socket's linger, a library timer) must not keep
// the process alive: exit at the latest shortly after.
const exitSoon = (code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
};

// `wanpilot status | head`: a reader that goes away is not an error.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(exitSoon, (err) => {
  process.stderr.write(`wanpilot: ${err instanceof Error ? err.message : String(err)}\n`);
  exitSoon(1);
});
