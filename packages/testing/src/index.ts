export * from "./broker.js";
export * from "./log.js";
export * from "./memory-bus.js";
export * from "./until.js";
