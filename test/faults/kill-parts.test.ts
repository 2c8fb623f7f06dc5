import { killSuite } from "./lib/kill-suite.js";

// kill -9 of a standalone `wanpilot broker`, each prober, the router and the logger (each its own
// process, like the systemd units), while links flap: see lib/kill-suite.ts.
killSuite("parts");
