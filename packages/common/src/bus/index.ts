export * from "./acl.js";
export * from "./contract.js";
export * from "./homeassistant.js";
export * from "./messages.js";
export * from "./topics.js";
export * from "./watch-messages.js";
