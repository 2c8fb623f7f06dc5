import type { Bus } from "@wanpilot/runtime";

/** The part of `@wanpilot/runtime`'s Bus the prober uses (tests pass an in-memory one). */
export type ProberBus = Pick<Bus, "publish" | "subscribe" | "onConnect" | "onDisconnect" | "close">;
