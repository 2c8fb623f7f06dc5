export { expectedPassword } from "./adapters/api.js";
export { History } from "./adapters/history.js";
export { type HistoryView, type HistoryWindow, historyRange, POINTS_PER_GRAPH } from "./core/history.js";
export { type LiveView, liveView } from "./core/live.js";
export { run, type WebExtra, type WebOptions, type WebService } from "./main.js";
