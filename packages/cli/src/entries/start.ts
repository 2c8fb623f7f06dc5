import { runStart } from "../commands/start.js";
import { commandMain } from "./part-main.js";

/** `wanpilot start` in one file (dist/bundle/start.js): the supervisor and the embedded broker. */
export const main = commandMain("start", runStart);
