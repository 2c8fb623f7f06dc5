import { run } from "@wanpilot/web";
import { partMain } from "./part-main.js";

/** `wanpilot web` in one file (dist/bundle/web.js): the part and all it imports. */
export const main = partMain("web", () => run);
