import { describe, expect, it } from "vitest";
import { topicMatches } from "./topic-match.js";

describe("topicMatches", () => {
  it.each([
    ["wanpilot/gw/#", "wanpilot/gw/link/dsl/state", true],
    ["wanpilot/gw/link/+/state", "wanpilot/gw/link/dsl/state", true],
    ["wanpilot/gw/link/+/state", "wanpilot/gw/link/dsl/health", false],
    ["wanpilot/gw/link/+/state", "wanpilot/gw/link/dsl/state/x", false],
    ["wanpilot/gw/router/state", "wanpilot/gw/router/state", true],
    ["wanpilot/gw/router/state", "wanpilot/gw/router", false],
    ["wanpilot/other/#", "wanpilot/gw/router/state", false],
  ])("%s matches %s: %s", (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
