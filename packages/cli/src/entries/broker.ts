import { runBroker } from "../commands/broker.js";
import { commandArgv } from "../core/part-argv.js";
import { type Output, stdio } from "../output.js";

/** `wanpilot broker` in one file (dist/bundle/broker.js): the embedded broker alone (units, compose). */
export async function main(argv: string[], out: Output = stdio): Promise<number> {
  const opts = commandArgv("broker", argv);
  if (opts === undefined) {
    out.err(`wanpilot: not a broker command line: ${argv.join(" ")}`);
    return 2;
  }
  return await runBroker(out, opts);
}
