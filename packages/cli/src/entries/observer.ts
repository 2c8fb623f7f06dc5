import { run } from "@wanpilot/observer";
import { partMain } from "./part-main.js";

/** `wanpilot observer` in one file (dist/bundle/observer.js): the part and all it imports. */
export const main = partMain("observer", () => run);
