import { describe, expect, it } from "vitest";
import { inPrefix } from "./address.js";
import { addressBatches, allNamespaces, linkBatches, planTopology, routeBatches } from "./topology.js";

describe("planTopology", () => {
  const t = planTopology("wpl1x1", 4, 3);

  it("names one namespace per role", () => {
    expect(allNamespaces(t)).toEqual([
      "wpl1x1-gw",
      "wpl1x1-lan",
      "wpl1x1-inet",
      "wpl1x1-isp1",
      "wpl1x1-isp2",
      "wpl1x1-isp3",
      "wpl1x1-isp4",
    ]);
  });

  it("gives each ISP its own WAN and upstream network inside 198.18.0.0/15", () => {
    const addresses = t.isps.flatMap((isp) => [
      isp.gwAddress,
      isp.modemAddress,
      isp.publicAddress,
      isp.inetAddress,
    ]);
    expect(new Set(addresses).size).toBe(addresses.length);
    for (const address of [...addresses, t.lan.gwAddress, ...t.lan.hostAddresses]) {
      expect(inPrefix(address, "198.18.0.0", 15)).toBe(true);
    }
    for (const isp of t.isps) {
      expect(inPrefix(isp.gwAddress, isp.modemAddress, isp.prefixLength)).toBe(true);
      expect(isp.wanInterface.length).toBeLessThanOrEqual(15);
    }
    expect(t.lan.hostAddresses).toEqual(["198.18.100.2", "198.18.100.3", "198.18.100.4"]);
  });

  it("puts the internet's hosts in 203.0.113.0/24", () => {
    for (const address of [...t.targets, t.server.address]) {
      expect(inPrefix(address, "203.0.113.0", 24)).toBe(true);
    }
  });

  it("creates every veth inside a namespace, its peer straight into another", () => {
    for (const batch of linkBatches(t)) {
      for (const line of batch.lines) {
        expect(line).toMatch(/^link add \S+ index \d+ type veth peer name \S+ index \d+ netns wpl1x1-/);
      }
    }
  });

  it("gives every interface an index no other interface of the lab has", () => {
    const indexes = linkBatches(t).flatMap((batch) =>
      batch.lines.flatMap((line) => [...line.matchAll(/index (\d+)/g)]),
    );
    const values = indexes.map((match) => match[1]);
    expect(values).toHaveLength(2 * (4 + 1 + 4));
    expect(new Set(values).size).toBe(values.length);
  });

  it("gives the gateway addresses but no default route", () => {
    const gw = addressBatches(t).find((batch) => batch.ns === t.ns.gw);
    expect(gw?.lines).toContain("address add 198.18.3.2/24 dev wan3");
    expect(routeBatches(t).some((batch) => batch.ns === t.ns.gw)).toBe(false);
  });
});

describe("planTopology with sameWanAddress", () => {
  const t = planTopology("wpl1x2", 2, 1, { sameWanAddress: true });

  it("gives every WAN the same gateway and modem addresses, each on its own interface and ISP", () => {
    expect(t.isps.map((isp) => [isp.wanInterface, isp.gwAddress, isp.modemAddress])).toEqual([
      ["wan1", "198.18.50.100", "198.18.50.1"],
      ["wan2", "198.18.50.100", "198.18.50.1"],
    ]);
    expect(new Set(t.isps.map((isp) => isp.publicAddress)).size).toBe(2);
    const gw = addressBatches(t).find((batch) => batch.ns === t.ns.gw);
    expect(gw?.lines).toContain("address add 198.18.50.100/24 dev wan2");
  });
});
