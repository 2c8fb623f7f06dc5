#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist (built by `npm ci` through the root `prepare` script).
import { main } from "../dist/main.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`wanpilot: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
