import { run } from "@wanpilot/router";
import { partMain } from "./part-main.js";

/** `wanpilot router` in one file (dist/bundle/router.js): the part and all it imports. */
export const main = partMain("router", () => run);
