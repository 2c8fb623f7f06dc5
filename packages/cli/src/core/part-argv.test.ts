import { describe, expect, it } from "vitest";
import { childSpecs } from "../supervisor/children.js";
import { supervisedPart } from "./part-argv.js";

describe("supervisedPart: the parts' argv (supervisor's and units'), taken without commander", () => {
  it.each([
    {
      argv: ["prober", "--link", "isp1", "--config", "/run/wanpilot/config.yaml"],
      expected: { kind: "prober", options: { config: "/run/wanpilot/config.yaml", link: "isp1" } },
    },
    { argv: ["router", "--config", "/c.yaml"], expected: { kind: "router", options: { config: "/c.yaml" } } },
    { argv: ["logger", "--config", "/c.yaml"], expected: { kind: "logger", options: { config: "/c.yaml" } } },
    {
      argv: ["observer", "--config", "/c.yaml"],
      expected: { kind: "observer", options: { config: "/c.yaml" } },
    },
    { argv: ["web", "--config", "/c.yaml"], expected: { kind: "web", options: { config: "/c.yaml" } } },
    // As a unit runs it: the config from WANPILOT_CONFIG.
    { argv: ["router"], expected: { kind: "router", options: {} } },
    { argv: ["prober", "--link", "isp1"], expected: { kind: "prober", options: { link: "isp1" } } },
    { argv: ["prober"], expected: undefined },
    { argv: ["prober", "--link", "isp1", "--config"], expected: undefined },
    { argv: ["router", "--help"], expected: undefined },
    { argv: ["router", "-c", "/c.yaml"], expected: undefined },
    { argv: ["router", "--config", "/c.yaml", "--verbose"], expected: undefined },
    { argv: ["prober", "--config", "/c.yaml", "--link", "isp1"], expected: undefined },
    { argv: ["prober", "--link", "--config", "/c.yaml"], expected: undefined },
    { argv: ["status", "--config", "/c.yaml"], expected: undefined },
    { argv: [], expected: undefined },
  ])("$argv", ({ argv, expected }) => {
    expect(supervisedPart(argv)).toEqual(expected);
  });

  it("recognises every argv the supervisor writes", () => {
    const config = {
      links: [{ name: "dsl" }, { name: "lte" }],
    } as Parameters<typeof childSpecs>[0];
    for (const spec of childSpecs(config))
      expect(supervisedPart([...spec.args, "--config", "/c.yaml"])?.kind).toBe(spec.name.split("/")[0]);
  });
});

describe("childSpecs", () => {
  it("spawns the router first (the probers wait for the paths it installs), the background parts nicer", () => {
    const config = { links: [{ name: "dsl" }, { name: "lte" }] } as Parameters<typeof childSpecs>[0];
    expect(childSpecs(config).map((s) => [s.name, s.nice ?? 0])).toEqual([
      ["router", 0],
      ["prober/dsl", 0],
      ["prober/lte", 0],
      ["logger", 10],
      ["observer", 10],
      ["web", 10],
    ]);
  });
});
