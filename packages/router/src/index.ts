export { type CommandOptions, type CommandResult, createRunner, type Runner } from "./adapters/command.js";
export { type ApplyResult, createKernel, type Kernel } from "./adapters/kernel.js";
export { Controller, type ControllerDeps, type ReconcileResult } from "./controller.js";
export { selectDefaultRoute } from "./core/balance.js";
export { computeDesired } from "./core/desired.js";
export { type ExplainQuery, type Explanation, explain, inPrefix } from "./core/explain.js";
export * from "./core/model.js";
export { linksToFlush, plan, planCleanup } from "./core/plan.js";
export { cleanup, explainFromStates, type RouterHandle, type RunOptions, run } from "./main.js";
