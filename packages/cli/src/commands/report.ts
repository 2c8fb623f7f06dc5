import { ipv6History, isWanpilotError } from "@wanpilot/common";
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
  // A link with IPv6 on has a second history, "<link>/ipv6".
  const names = config.links.flatMap((l) =>
    l.ipv6 === undefined ? [l.name] : [l.name, ipv6History(l.name)],
  );
  if (opts.link !== undefined && !names.includes(opts.link)) {
    out.err(`--link: unknown link "${opts.link}" (links: ${names.join(", ")})`);
    return 2;
  }
  try {
    const report = openReport(config.logger.database, {
      ...(opts.since === undefined ? {} : { since: opts.since }),
      ...(opts.until === undefined ? {} : { until: opts.until }),
      ...(opts.link === undefined ? { links: names } : { link: opts.link }),
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
