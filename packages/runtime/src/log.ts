import { type Logger, pino } from "pino";

export type { Logger };

/** The one root logger of a process: JSON lines on stdout, `name` tells which part wrote them. */
export function createLogger(opts: {
  name: string;
  level?: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level ?? "info",
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? process.stdout,
  );
}
