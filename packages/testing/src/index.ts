export * from "./broker.js";
export * from "./config.js";
export * from "./fixtures.js";
export * from "./log.js";
export * from "./memory-bus.js";
export * from "./until.js";
