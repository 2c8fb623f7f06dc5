export * from "./bus/index.js";
export * from "./config/index.js";
export * from "./errors.js";
export * from "./text-table.js";
