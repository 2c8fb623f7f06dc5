import type { Scenario } from "../scenario.js";
import { failover } from "./failover.js";

/** Every scenario, in the order a full run takes them. */
export const SCENARIOS: readonly Scenario[] = [failover];
