import { topics } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import {
  type AclContext,
  authenticate,
  authorizePublish,
  isLoopbackAddress,
  type Principal,
  willAllowed,
} from "./broker-acl.js";

const passwords: Record<string, string> = {
  "prober/dsl": "p-dsl",
  "prober/ghost": "p-ghost",
  router: "p-router",
  logger: "p-logger",
  supervisor: "p-sup",
  dash: "p-dash",
  hass: "p-hass",
};
const ctx = (anonymous: AclContext["anonymous"] = "loopback"): AclContext => ({
  gateway: "gw",
  links: new Set(["dsl", "cable"]),
  anonymous,
  expectedPassword: (u) => passwords[u],
  readerUsername: "dash",
  haUsername: "hass",
  haPrefix: "homeassistant",
});

describe("authenticate", () => {
  it.each([
    { name: "prober with its password", req: { username: "prober/dsl", password: "p-dsl" }, ok: true },
    {
      name: "prober with a wrong password",
      req: { username: "prober/dsl", password: "p-router" },
      ok: false,
    },
    { name: "prober of an unknown link", req: { username: "prober/ghost", password: "p-ghost" }, ok: false },
    { name: "router", req: { username: "router", password: "p-router" }, ok: true },
    { name: "unknown user", req: { username: "mallory", password: "x" }, ok: false },
    { name: "reader", req: { username: "dash", password: "p-dash" }, ok: true },
    { name: "Home Assistant", req: { username: "hass", password: "p-hass" }, ok: true },
    { name: "Home Assistant, wrong password", req: { username: "hass", password: "p-dash" }, ok: false },
    { name: "anonymous on loopback", req: { remoteAddress: "127.0.0.1" }, ok: true },
    { name: "anonymous on mapped loopback", req: { remoteAddress: "::ffff:127.0.0.5" }, ok: true },
    { name: "anonymous from the LAN", req: { remoteAddress: "198.18.0.9" }, ok: false },
    {
      name: "password without username",
      req: { password: "p-router", remoteAddress: "127.0.0.1" },
      ok: false,
    },
  ])("loopback policy: $name → $ok", ({ req, ok }) => {
    expect(authenticate(ctx(), req).ok).toBe(ok);
  });

  it.each([
    { anonymous: "none" as const, remoteAddress: "127.0.0.1", ok: false },
    { anonymous: "any" as const, remoteAddress: "198.18.0.9", ok: true },
    { anonymous: "loopback" as const, remoteAddress: "::1", ok: true },
  ])("anonymous $anonymous from $remoteAddress → $ok", ({ anonymous, remoteAddress, ok }) => {
    expect(authenticate(ctx(anonymous), { remoteAddress }).ok).toBe(ok);
  });

  it.each([
    { name: "anonymous", req: { remoteAddress: "127.0.0.1" } },
    { name: "reader", req: { username: "dash", password: "p-dash" } },
  ])("$name may not take a wanpilot client id", ({ req }) => {
    expect(authenticate(ctx(), { ...req, clientId: "wanpilot-gw-router" }).ok).toBe(false);
    expect(authenticate(ctx(), { ...req, clientId: "my-dashboard" }).ok).toBe(true);
  });

  it("tells who connected", () => {
    expect(authenticate(ctx(), { username: "dash", password: "p-dash" })).toEqual({
      ok: true,
      principal: { kind: "reader", username: "dash" },
    });
  });
});

describe("authorizePublish", () => {
  const dsl: Principal = { kind: "component", component: { kind: "prober", link: "dsl" } };
  const router: Principal = { kind: "component", component: { kind: "router" } };
  const hass: Principal = { kind: "homeassistant", username: "hass" };
  it.each([
    { name: "prober on its own state", who: dsl, topic: topics.linkState("gw", "dsl"), ok: true },
    { name: "prober on another link", who: dsl, topic: topics.linkState("gw", "cable"), ok: false },
    { name: "prober on router state", who: dsl, topic: topics.routerState("gw"), ok: false },
    {
      name: "prober on its availability",
      who: dsl,
      topic: topics.availability("gw", { kind: "prober", link: "dsl" }),
      ok: true,
    },
    {
      name: "router on the prober's availability",
      who: router,
      topic: topics.availability("gw", { kind: "prober", link: "dsl" }),
      ok: false,
    },
    { name: "router on another gateway", who: router, topic: topics.routerState("other"), ok: false },
    { name: "router on $SYS", who: router, topic: "$SYS/x", ok: false },
    {
      name: "reader anywhere",
      who: { kind: "reader", username: "dash" } as Principal,
      topic: topics.routerState("gw"),
      ok: false,
    },
    {
      name: "anonymous anywhere",
      who: { kind: "anonymous" } as Principal,
      topic: topics.routerState("gw"),
      ok: false,
    },
    { name: "unknown client", who: undefined, topic: topics.routerState("gw"), ok: false },
    { name: "Home Assistant's birth", who: hass, topic: "homeassistant/status", ok: true },
    {
      name: "Home Assistant's birth with the operator credential",
      who: { kind: "operator" } as Principal,
      topic: "homeassistant/status",
      ok: true,
    },
    {
      name: "operator on a state",
      who: { kind: "operator" } as Principal,
      topic: topics.routerState("gw"),
      ok: false,
    },
    { name: "Home Assistant on a state", who: hass, topic: topics.routerState("gw"), ok: false },
    {
      name: "Home Assistant on discovery",
      who: hass,
      topic: "homeassistant/sensor/wanpilot_gw/x/config",
      ok: false,
    },
    {
      name: "the reader on HA's status",
      who: { kind: "reader", username: "dash" } as Principal,
      topic: "homeassistant/status",
      ok: false,
    },
    {
      name: "observer on discovery",
      who: { kind: "component", component: { kind: "observer" } } as Principal,
      topic: "homeassistant/sensor/wanpilot_gw/x/config",
      ok: true,
    },
  ])("$name → $ok", ({ who, topic, ok }) => {
    expect(authorizePublish(ctx(), who, topic)).toBe(ok);
  });
});

describe("willAllowed", () => {
  it.each([
    { username: "router", topic: topics.availability("gw", { kind: "router" }), ok: true },
    { username: "router", topic: topics.availability("gw", { kind: "logger" }), ok: false },
    { username: undefined, topic: topics.availability("gw", { kind: "router" }), ok: false },
    { username: "dash", topic: topics.availability("gw", { kind: "router" }), ok: false },
    { username: "hass", topic: "homeassistant/status", ok: true },
    { username: "hass", topic: topics.availability("gw", { kind: "router" }), ok: false },
    { username: "dash", topic: "homeassistant/status", ok: false },
    { username: "operator", topic: "homeassistant/status", ok: true },
    { username: "operator", topic: topics.availability("gw", { kind: "router" }), ok: false },
  ])("$username will on $topic → $ok", ({ username, topic, ok }) => {
    expect(willAllowed(ctx(), username, topic)).toBe(ok);
  });
});

describe("isLoopbackAddress", () => {
  it.each([
    { addr: "127.0.0.1", ok: true },
    { addr: "::1", ok: true },
    { addr: "::ffff:127.1.2.3", ok: true },
    { addr: "::ffff:198.18.0.1", ok: false },
    { addr: "128.0.0.1", ok: false },
    { addr: undefined, ok: false },
  ])("$addr → $ok", ({ addr, ok }) => {
    expect(isLoopbackAddress(addr)).toBe(ok);
  });
});
