import type { Lab, LabProcess } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import type { LabDeployment } from "wanpilot/labrun";
import type { StatusView } from "../../packages/cli/src/status/view.js";

/** The links of a default route as the kernel has it (wanpilot's balance table 100): interface → weight. */
export async function kernelNexthops(lab: Lab, table = 100): Promise<Map<string, number>> {
  const routes = JSON.parse(
    await lab.gwExec(["ip", "-json", "route", "show", "table", String(table)]),
  ) as Array<{
    dst: string;
    dev?: string;
    weight?: number;
    nexthops?: Array<{ dev: string; weight?: number }>;
  }>;
  const def = routes.find((r) => r.dst === "default");
  const hops = def?.nexthops ?? (def?.dev === undefined ? [] : [{ dev: def.dev, weight: def.weight ?? 1 }]);
  return new Map(hops.map((h) => [h.dev, h.weight ?? 1]));
}

export interface StatusWatch {
  process: LabProcess;
  /** The latest `status --watch --json` view. */
  latest(): StatusView | undefined;
  /** Waits (30 s) for a view that satisfies `ok`; returns it. */
  view(ok: (v: StatusView) => boolean, what: string): Promise<StatusView>;
}

/** `wanpilot status --watch --json` in the deployment's gateway, read as it goes. */
export function watchStatus(dep: LabDeployment): StatusWatch {
  let latest: StatusView | undefined;
  const process = dep.spawnCli(["status", "--watch", "--json"], (line, stream) => {
    if (stream === "stdout" && line.startsWith("{")) latest = JSON.parse(line) as StatusView;
  });
  return {
    process,
    latest: () => latest,
    view: (ok, what) => until(what, () => (latest !== undefined && ok(latest) ? latest : undefined), 30_000),
  };
}
