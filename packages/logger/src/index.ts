export { MIGRATIONS, type Migration, SCHEMA_VERSION } from "./adapters/migrations.js";
export {
  type HealthPoint,
  type HealthSampleRecord,
  type LinkRecord,
  type RouteChangeRecord,
  Store,
  type StoreOptions,
} from "./adapters/store.js";
export { acksFor, MAX_ACK_IDS } from "./core/ack.js";
export { humanDuration, percent, type ReportJson, reportJson, reportTable } from "./core/format.js";
export {
  buildReport,
  type LinkReport,
  linkReport,
  type Outage,
  type ReportWindow,
  type TransitionRecord,
} from "./core/report.js";
export { DEFAULT_SINCE, resolveBound, resolveWindow, type TimeBound } from "./core/window.js";
export { type LoggerRunOptions, type LoggerService, type LoggerStats, run } from "./main.js";
export { openReport, type Report, type ReportOptions, reportFrom } from "./report.js";
