import { killSuite } from "./lib/kill-suite.js";

// kill -9 of `wanpilot start` (with its embedded broker), each prober, the router and the logger,
// while links flap: see lib/kill-suite.ts.
killSuite("start");
