export * from "./bus.js";
export * from "./config-file.js";
export * from "./credentials.js";
export * from "./event-outbox.js";
export * from "./log.js";
export * from "./outbox.js";
export * from "./outbox-file.js";
export * from "./topic-match.js";
