export * from "./fixtures.js";
export * from "./log.js";
export * from "./memory-bus.js";
export * from "./until.js";
