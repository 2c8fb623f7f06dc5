import { describe, expect, it } from "vitest";
import { mayPublish } from "./acl.js";
import { decodePayload, encodePayload } from "./contract.js";
import {
  type Component,
  isPublishableTopic,
  parseTopic,
  type Topic,
  type TopicKind,
  topics,
} from "./topics.js";

const dsl: Component = { kind: "prober", link: "dsl" };

describe("topics", () => {
  it.each([
    [topics.availability("gw", dsl), { gateway: "gw", kind: "availability", component: dsl }],
    [
      topics.availability("gw", { kind: "router" }),
      { gateway: "gw", kind: "availability", component: { kind: "router" } },
    ],
    [topics.linkState("gw", "dsl"), { gateway: "gw", kind: "linkState", link: "dsl" }],
    [topics.linkState6("gw", "dsl"), { gateway: "gw", kind: "linkState6", link: "dsl" }],
    [topics.linkEvent6("gw", "dsl"), { gateway: "gw", kind: "linkEvent6", link: "dsl" }],
    [topics.linkHealth6("gw", "dsl"), { gateway: "gw", kind: "linkHealth6", link: "dsl" }],
    [topics.linkHealth("gw", "dsl"), { gateway: "gw", kind: "linkHealth", link: "dsl" }],
    [topics.linkEvent("gw", "dsl"), { gateway: "gw", kind: "linkEvent", link: "dsl" }],
    [topics.routerState("gw"), { gateway: "gw", kind: "routerState" }],
    [topics.routerEvent("gw"), { gateway: "gw", kind: "routerEvent" }],
    [topics.loggerAck("gw"), { gateway: "gw", kind: "loggerAck" }],
    [topics.supervisorState("gw"), { gateway: "gw", kind: "supervisorState" }],
  ])("%s parses back", (topic, parsed) => {
    expect(topic.startsWith("wanpilot/gw/")).toBe(true);
    expect(parseTopic(topic)).toEqual(parsed);
  });

  it.each([
    "other/gw/router/state",
    "wanpilot/gw/router/state/x",
    "wanpilot/gw/link/dsl/other",
    "wanpilot/gw/link/dsl/ipv6/other",
    "wanpilot/gw/availability/prober/",
    "wanpilot",
  ])("%s is not a wanpilot topic", (t) => expect(parseTopic(t)).toBeUndefined());

  it("binds each topic to its kind, and keeps filters out of publishing (checked by tsc -p tsconfig.test.json)", () => {
    const sent: string[] = [];
    const publish = <K extends TopicKind>(_kind: K, topic: Topic<NoInfer<K>>) => sent.push(topic);
    publish("linkState", topics.linkState("gw", "dsl"));
    // @ts-expect-error a link's state topic is not its health topic
    publish("linkHealth", topics.linkState("gw", "dsl"));
    // @ts-expect-error a filter is never published to
    publish("linkState", topics.allLinkStates("gw"));
    // @ts-expect-error a bare string is not a topic
    publish("routerState", "wanpilot/gw/router/state");
    expect(sent).toEqual(Array(4).fill(expect.stringMatching(/^wanpilot\/gw\//)));
  });

  it("never publishes to wildcards", () => {
    expect(isPublishableTopic(topics.allLinkStates("gw"))).toBe(false);
    expect(isPublishableTopic(topics.all("gw"))).toBe(false);
    expect(isPublishableTopic(topics.routerState("gw"))).toBe(true);
  });
});

describe("mayPublish (the embedded broker's ACL)", () => {
  it.each([
    [dsl, topics.linkState("gw", "dsl"), true],
    [dsl, topics.linkEvent("gw", "dsl"), true],
    [dsl, topics.linkState6("gw", "dsl"), true],
    [dsl, topics.linkState6("gw", "cable"), false],
    [dsl, topics.linkEvent6("gw", "dsl"), true],
    [dsl, topics.linkHealth6("gw", "dsl"), true],
    [dsl, topics.linkHealth6("gw", "cable"), false],
    [{ kind: "router" }, topics.linkHealth6("gw", "dsl"), false],
    [{ kind: "router" }, topics.linkState6("gw", "dsl"), false],
    [dsl, topics.availability("gw", dsl), true],
    [dsl, topics.linkState("gw", "cable"), false],
    [dsl, topics.availability("gw", { kind: "prober", link: "cable" }), false],
    [dsl, topics.routerState("gw"), false],
    [dsl, topics.linkState("other", "dsl"), false],
    [{ kind: "router" }, topics.routerState("gw"), true],
    [{ kind: "router" }, topics.routerEvent("gw"), true],
    [{ kind: "router" }, topics.linkState("gw", "dsl"), false],
    [{ kind: "router" }, topics.availability("gw", { kind: "logger" }), false],
    [{ kind: "logger" }, topics.loggerAck("gw"), true],
    [{ kind: "logger" }, topics.routerState("gw"), false],
    [{ kind: "supervisor" }, topics.supervisorState("gw"), true],
    [{ kind: "supervisor" }, "wanpilot/gw/anything", false],
    [{ kind: "observer" }, topics.haLink("gw", "dsl"), true],
    [{ kind: "observer" }, topics.haGateway("gw"), true],
    [{ kind: "observer" }, topics.partMetrics("gw", { kind: "observer" }), true],
    [{ kind: "observer" }, topics.linkState("gw", "dsl"), false],
    [dsl, topics.partMetrics("gw", dsl), true],
    [dsl, topics.partMetrics("gw", { kind: "router" }), false],
    [dsl, topics.haLink("gw", "dsl"), false],
  ] as Array<[Component, string, boolean]>)("%j → %s: %s", (who, topic, allowed) => {
    expect(mayPublish(who, "gw", topic)).toBe(allowed);
  });
});

describe("payloads", () => {
  it("round-trips availability as a bare word and rejects others", () => {
    expect(encodePayload("availability", "online")).toBe("online");
    expect(decodePayload("availability", Buffer.from("offline"))).toEqual({ ok: true, value: "offline" });
    expect(decodePayload("availability", "maybe").ok).toBe(false);
  });
  it("refuses oversized and non-JSON payloads", () => {
    expect(decodePayload("routerState", "x".repeat(70_000))).toMatchObject({ ok: false });
    expect(decodePayload("routerState", "{")).toEqual({ ok: false, reason: "payload is not JSON" });
  });
});
