import { validateConfig, type WanpilotConfig } from "@wanpilot/common";

/** The links of a test config unless it names its own. */
export const TEST_LINKS = [
  { name: "dsl", interface: "wan1" },
  { name: "cable", interface: "wan2" },
] as const;

/**
 * A config as the parts get it (validated, defaults filled in) from a config-file object; `links`
 * defaults to TEST_LINKS. Throws with every problem when the object is not a valid config.
 */
export function testConfig(input: Record<string, unknown> = {}): WanpilotConfig {
  const parsed = validateConfig({ links: TEST_LINKS, ...input });
  if (!parsed.ok) throw new Error(`test config is invalid:\n${parsed.problems.join("\n")}`);
  return parsed.config;
}
