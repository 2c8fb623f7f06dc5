export { EXPOSITION_CONTENT_TYPE, mergeFamilies, renderExposition, withPart } from "./core/exposition.js";
export { HA_NUMBERS_EVERY_MS, haGatewayView, haLinkView, shouldPublishLink } from "./core/ha-view.js";
export { wanpilotFamilies } from "./core/metrics.js";
export { emptyState, type ObserverState } from "./core/state.js";
export { type ObserverExtra, type ObserverOptions, type ObserverService, run } from "./main.js";
