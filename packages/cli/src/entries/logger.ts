import { run } from "@wanpilot/logger";
import { partMain } from "./part-main.js";

/** `wanpilot logger` in one file (dist/bundle/logger.js): the part and all it imports. */
export const main = partMain("logger", () => run);
