import { validateConfig, type WanpilotConfig } from "@wanpilot/common";

/** A one-link config whose bus is a test broker on 127.0.0.1:`port`, its runtime files in `dir`. */
export function busTestConfig(dir: string, port: number): WanpilotConfig {
  const parsed = validateConfig({
    gateway: "gw1",
    runtime_dir: dir,
    bus: { listen: `127.0.0.1:${port}` },
    links: [{ name: "dsl", interface: "wan1" }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  return parsed.config;
}
