import type { Scenario } from "../scenario.js";
import { balance } from "./balance.js";
import { budget } from "./budget.js";
import { conntrack } from "./conntrack.js";
import { cost } from "./cost.js";
import { disruption } from "./disruption.js";
import { failover } from "./failover.js";
import { ipv6 } from "./ipv6.js";
import { live } from "./live.js";
import { scale } from "./scale.js";
import { webHistory } from "./web-history.js";

/** Every scenario, in the order a full run takes them. */
export const SCENARIOS: readonly Scenario[] = [
  failover,
  disruption,
  balance,
  ipv6,
  cost,
  conntrack,
  scale,
  live,
  webHistory,
  budget,
];
