import { fileURLToPath } from "node:url";

/** The `wanpilot` launcher, one level up from both src/ and dist/. */
export const BIN_PATH = fileURLToPath(new URL("../bin/wanpilot.js", import.meta.url));
