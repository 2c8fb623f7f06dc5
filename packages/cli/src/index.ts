export { type RunningBroker, startBroker } from "./broker/broker.js";
export { describeConfig } from "./core/describe-config.js";
export { main } from "./main.js";
export { type ChildSpec, childSpecs } from "./supervisor/children.js";
