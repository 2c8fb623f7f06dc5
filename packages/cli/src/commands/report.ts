import { isWanpilotError } from "@wanpilot/common";
import { openReport } from "@wanpilot/logger";
import { loadConfig } from "../config.js";
import type { Output } from "../output.js";

export interface ReportCommandOptions {
  config?: string;
  since?: string;
  until?: string;
  link?: string;
  json?: boolean;
}

/** `wanpilot report`: availability and outages per link, read from the logger's database (daemon may be stopped). */
export function runReport(out: Output, opts: ReportCommandOptions): number {
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const { config } = loaded;
  if (opts.link !== undefined && !config.links.some((l) => l.name === opts.link)) {
    out.err(`--link: unknown link "${opts.link}" (links: ${config.links.map((l) => l.name).join(", ")})`);
    return 2;
  }
  try {
    const report = openReport(config.logger.database, {
      ...(opts.since === undefined ? {} : { since: opts.since }),
      ...(opts.until === undefined ? {} : { until: opts.until }),
      ...(opts.link === undefined ? { links: config.links.map((l) => l.name) } : { link: opts.link }),
    });
    out.out(opts.json ? JSON.stringify(report.json, null, 2) : report.text);
    return 0;
  } catch (err: unknown) {
    if (isWanpilotError(err, "DATABASE_FAILED") || isWanpilotError(err, "USAGE")) {
      out.err(`wanpilot report: ${err.message}`);
      return isWanpilotError(err, "USAGE") ? 2 : 1;
    }
    throw err;
  }
}
