import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jsonSnapshot, parseConfigText } from "./parse.js";

const read = (path: string) => readFileSync(new URL(`../../../../${path}`, import.meta.url), "utf8");

describe("jsonSnapshot: the config the parts read, as JSON", () => {
  it.each(["examples/two-links.yaml", "examples/four-links.yaml"])(
    "%s validates to the same config from its JSON snapshot",
    (path) => {
      const yaml = parseConfigText(read(path), path);
      const json = jsonSnapshot(read(path));
      expect(json).toMatch(/^\{/);
      expect(parseConfigText(json ?? "")).toEqual(yaml);
    },
  );

  it("gives none for a config that is not valid", () => {
    expect(jsonSnapshot("links: [")).toBeUndefined();
  });
});

describe("parseConfigText reads JSON and YAML", () => {
  it("text that starts like JSON but is not is reported by the YAML parser, with its position", () => {
    const r = parseConfigText('{ "links": [ }', "broken.yaml");
    expect(r.ok ? [] : r.problems[0]).toMatch(/^broken\.yaml:1:/);
  });

  it("a JSON mapping is validated like YAML", () => {
    const r = parseConfigText('{"links":[{"name":"dsl","interface":"wan1","weight":"x"}]}');
    expect(r.ok ? [] : r.problems).toEqual(['links[0].weight: expected a number, got the text "x"']);
  });
});
