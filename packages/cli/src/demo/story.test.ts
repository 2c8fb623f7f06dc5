import { describe, expect, it } from "vitest";
import { STORY, STORY6, storyFor, storyOutages } from "./story.js";

describe("storyOutages", () => {
  const names = ["isp1", "isp2", "isp3"];
  it.each([
    { story: STORY, expected: ["isp1"] },
    { story: STORY6, expected: ["isp3/ipv6"] },
    { story: storyFor(true), expected: ["isp1", "isp3/ipv6"] },
    { story: [...STORY, ...STORY], expected: ["isp1"] },
  ])("names each history the story takes down once: $expected", ({ story, expected }) => {
    expect(storyOutages(story, names)).toEqual(expected);
  });
});
