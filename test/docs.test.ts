import { readFileSync } from "node:fs";
import {
  CONTRACT,
  decodePayload,
  haDiscoveryTopic,
  LinkAction,
  parseLinkCommand,
  type TopicKind,
  topics,
} from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../packages/cli/src/program.js";

const doc = readFileSync(new URL("../docs/mqtt.md", import.meta.url), "utf8");
const kinds = Object.keys(CONTRACT) as TopicKind[];

/** Topic pattern of each kind, built with the real builders and placeholder names. */
const PATTERN: Record<TopicKind, string> = {
  availability: topics.availability("<gateway>", { kind: "router" }).replace(/router$/, "<component>"),
  linkState: topics.linkState("<gateway>", "<link>"),
  linkState6: topics.linkState6("<gateway>", "<link>"),
  linkHealth6: topics.linkHealth6("<gateway>", "<link>"),
  linkEvent6: topics.linkEvent6("<gateway>", "<link>"),
  linkHealth: topics.linkHealth("<gateway>", "<link>"),
  linkEvent: topics.linkEvent("<gateway>", "<link>"),
  routerState: topics.routerState("<gateway>"),
  routerEvent: topics.routerEvent("<gateway>"),
  loggerAck: topics.loggerAck("<gateway>"),
  supervisorState: topics.supervisorState("<gateway>"),
  linkCommand: topics.linkCommand("<gateway>", "<link>"),
  operations: topics.operations("<gateway>"),
  haLink: topics.haLink("<gateway>", "<link>"),
  haGateway: topics.haGateway("<gateway>"),
  partMetrics: topics.partMetrics("<gateway>", { kind: "router" }).replace(/router$/, "<component>"),
  haDiscovery: "<prefix>/<component>/wanpilot_<gateway>/<object>/config",
};

function tableRow(kind: TopicKind): string[] | undefined {
  // biome pads markdown tables: match the first cell, not the exact spacing.
  const line = doc.split("\n").find((l) => new RegExp(`^\\| \`${kind}\`\\s*\\|`).test(l));
  return line
    ?.split("|")
    .slice(1, -1)
    .map((c) => c.trim());
}

function examples(): Array<{ kind: string; body: string }> {
  return [...doc.matchAll(/```(?:json|text) (\w+)\n([\s\S]*?)```/g)].map((m) => ({
    kind: m[1] ?? "",
    body: (m[2] ?? "").trim(),
  }));
}

describe("docs/mqtt.md matches the bus contract", () => {
  it.each(kinds)("%s: topic, retained and QoS in the table match CONTRACT", (kind) => {
    const row = tableRow(kind);
    expect(row, `a table row for ${kind}`).toBeDefined();
    const [, topic, , retained, qos] = row ?? [];
    expect(topic).toBe(`\`${PATTERN[kind]}\``);
    expect(retained).toBe(CONTRACT[kind].retained ? "yes" : "no");
    expect(qos).toBe(String(CONTRACT[kind].qos));
  });

  it.each(kinds)("%s: has an example that validates against its schema", (kind) => {
    const found = examples().filter((e) => e.kind === kind);
    expect(found.length, `an example for ${kind}`).toBeGreaterThan(0);
    for (const e of found) {
      const decoded = decodePayload(kind, e.body);
      expect(decoded.ok ? "valid" : decoded.reason).toBe("valid");
    }
  });

  it("linkCommand: every example is a command the router accepts, every action is described", () => {
    for (const e of examples().filter((x) => x.kind === "linkCommand")) {
      const parsed = parseLinkCommand(e.body);
      expect(parsed.ok ? "valid" : parsed.reason, e.body).toBe("valid");
    }
    const section = doc.slice(doc.indexOf("### `linkCommand`"), doc.indexOf("### `operations`"));
    for (const action of LinkAction.options) expect(section, action).toContain(`\`${action}\``);
  });

  it("describes the Home Assistant discovery topic the way common builds it", () => {
    expect(PATTERN.haDiscovery.replace("<component>", "sensor")).toBe(
      haDiscoveryTopic("<prefix>", "<gateway>", "sensor", "<object>"),
    );
  });

  it("documents no topic kind that does not exist", () => {
    for (const e of examples()) expect(kinds).toContain(e.kind);
  });
});

describe("docs/cli.md", () => {
  const cli = readFileSync(new URL("../docs/cli.md", import.meta.url), "utf8");
  const program = buildProgram({ out: () => undefined, err: () => undefined }, { code: 0 });
  it.each(program.commands.map((c) => c.name()))("documents wanpilot %s", (name) => {
    expect(cli).toMatch(new RegExp(`^## \`wanpilot ${name}( |\`)`, "m"));
  });
});
