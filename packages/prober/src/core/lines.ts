/** Longest partial line kept while waiting for its end: a child writing without newlines cannot grow it. */
export const MAX_PARTIAL_LINE = 16 * 1024;

/**
 * Splits a child's output into lines as its chunks come: the complete lines in `chunk` (after what was
 * left of the previous one), and the partial line to keep for the next. `\r\n` ends a line like `\n`.
 * A partial line longer than MAX_PARTIAL_LINE is dropped (no command we read writes one).
 */
export function splitLines(rest: string, chunk: string): { lines: string[]; rest: string } {
  const parts = (rest + chunk).split("\n");
  const last = parts.pop() ?? "";
  const lines = parts.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  return { lines, rest: last.length > MAX_PARTIAL_LINE ? "" : last };
}
