import { runBroker } from "../commands/broker.js";
import { commandMain } from "./part-main.js";

/** `wanpilot broker` in one file (dist/bundle/broker.js): the embedded broker alone (units, compose). */
export const main = commandMain("broker", runBroker);
