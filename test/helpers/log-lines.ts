/** One JSON log line of `wanpilot start` (its parts' lines included), stamped with when it arrived. */
export interface LogLine {
  msg?: string;
  link?: string;
  family?: string;
  from?: string;
  to?: string;
  cause?: string;
  reason?: string;
  t: number;
}

/** Collects the JSON log lines a LabDeployment's `onLine` hands over (other lines are skipped). */
export function logCollector(): { logs: LogLine[]; onLine: (line: string) => void } {
  const logs: LogLine[] = [];
  const onLine = (line: string) => {
    if (!line.startsWith("{")) return;
    try {
      logs.push({ ...(JSON.parse(line) as Omit<LogLine, "t">), t: performance.now() });
    } catch {
      // not a log line
    }
  };
  return { logs, onLine };
}

/** A link's "probe rate changed" lines since `after` (of one family's judge, when given). */
export function rateChanges(logs: LogLine[], link: string, after: number, family?: string): LogLine[] {
  return logs.filter(
    (l) =>
      l.msg === "probe rate changed" &&
      l.link === link &&
      l.t >= after &&
      (family === undefined || l.family === family),
  );
}
