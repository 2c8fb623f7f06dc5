export type { ProberBus } from "./adapters/bus.js";
export type { CommandPrefix } from "./adapters/command.js";
export { falseDownRatePerRound, simulateLoss } from "./core/simulate.js";
export { LinkProber, type ProberOptions, run } from "./main.js";
