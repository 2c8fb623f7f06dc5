import * as z from "zod";
import { WanpilotConfigInput } from "./schema.js";

/** JSON Schema of the config file as written (for editors), generated from the zod schema. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(WanpilotConfigInput, { io: "input", unrepresentable: "any", target: "draft-2020-12" }),
    $id: "https://wanpilot.dev/schema/wanpilot.schema.json",
    title: "wanpilot configuration (/etc/wanpilot/wanpilot.yaml)",
  };
}
