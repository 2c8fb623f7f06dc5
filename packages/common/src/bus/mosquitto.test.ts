import { describe, expect, it } from "vitest";
import { mayPublish, operatorMayPublish, publishGrants } from "./acl.js";
import { allComponents, externalUsername } from "./external.js";
import { mosquittoAcl } from "./mosquitto.js";
import { topics } from "./topics.js";

const LINKS = ["dsl", "cable"];

describe("the Mosquitto ACL grants what the embedded broker grants", () => {
  it.each(allComponents(LINKS).map((c) => [externalUsername("gw1", c), c] as const))("%s", (_user, c) => {
    const grants = publishGrants(c, "gw1");
    expect(grants.length).toBeGreaterThan(0);
    // Every grant (its + filled in) is a topic the embedded broker lets this part publish...
    for (const g of grants)
      expect(
        mayPublish(c, "gw1", g.replaceAll("+", g.startsWith("homeassistant/") ? "sensor" : "dsl")),
        g,
      ).toBe(true);
    // ...and no other part's (but `operations`, which the router and the supervisor both answer on).
    const shared = topics.operations("gw1");
    for (const other of allComponents(LINKS).filter((o) => JSON.stringify(o) !== JSON.stringify(c)))
      for (const g of publishGrants(other, "gw1").filter((t) => t !== shared))
        expect(grants).not.toContain(g);
  });

  it("the web page publishes only its own availability and metrics (its operator's commands use the operator)", () => {
    expect(publishGrants({ kind: "web" }, "gw1")).toEqual([
      topics.availability("gw1", { kind: "web" }),
      topics.partMetrics("gw1", { kind: "web" }),
    ]);
    expect(mayPublish({ kind: "web" }, "gw1", topics.linkCommand("gw1", "dsl"))).toBe(false);
    expect(mayPublish({ kind: "web" }, "gw1", topics.routerState("gw1"))).toBe(false);
  });

  it("the reader reads the gateway's topics and writes none", () => {
    const acl = mosquittoAcl("gw1", LINKS, "dash");
    const reader = acl.slice(acl.indexOf("user dash"));
    expect(reader).toContain(`topic read ${topics.all("gw1")}`);
    expect(reader).not.toContain("topic write");
    expect(acl).toContain(`user gw1/prober/dsl\ntopic read wanpilot/gw1/#`);
    expect(acl).toContain(`topic write ${topics.linkState("gw1", "dsl")}`);
  });

  it("the operator writes link commands of its gateway and Home Assistant's status only, as the embedded broker allows", () => {
    const acl = mosquittoAcl("gw1", LINKS);
    const block = acl.slice(acl.indexOf("user gw1/operator")).split("\n\n")[0] ?? "";
    const writes = block.split("\n").filter((l) => l.startsWith("topic write "));
    // Home Assistant's birth and will, for a Home Assistant logged in as the operator (its controls).
    expect(writes).toEqual([
      `topic write ${topics.allLinkCommands("gw1")}`,
      "topic write homeassistant/status",
    ]);
    expect(operatorMayPublish("gw1", topics.linkCommand("gw1", "dsl"))).toBe(true);
    expect(operatorMayPublish("gw1", topics.linkCommand("gw2", "dsl"))).toBe(false);
    expect(operatorMayPublish("gw1", topics.routerState("gw1"))).toBe(false);
    for (const c of allComponents(LINKS))
      expect(publishGrants(c, "gw1")).not.toContain(topics.allLinkCommands("gw1"));
  });
});
