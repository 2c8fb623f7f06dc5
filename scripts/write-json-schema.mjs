// Regenerates schema/wanpilot.schema.json from the zod schema (npm run schema). A test keeps them in sync.
import { writeFileSync } from "node:fs";
import { configJsonSchema } from "../packages/common/dist/index.js";

writeFileSync(
  new URL("../schema/wanpilot.schema.json", import.meta.url),
  `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
);
