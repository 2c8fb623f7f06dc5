import { type Logger, pino } from "pino";

/** A logger that writes nothing, for tests that do not read the logs. */
export const silentLog: Logger = pino({ level: "silent" });
