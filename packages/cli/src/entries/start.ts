import { runStart } from "../commands/start.js";
import { commandArgv } from "../core/part-argv.js";
import { type Output, stdio } from "../output.js";

/** `wanpilot start` in one file (dist/bundle/start.js): the supervisor and the embedded broker. */
export async function main(argv: string[], out: Output = stdio): Promise<number> {
  const opts = commandArgv("start", argv);
  if (opts === undefined) {
    out.err(`wanpilot: not a start command line: ${argv.join(" ")}`);
    return 2;
  }
  return await runStart(out, opts);
}
