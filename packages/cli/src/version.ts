import { readFileSync } from "node:fs";

/** wanpilot's version, from the package that ships the `wanpilot` command (src/ and dist/ sit beside package.json). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
