import { supervisedPart } from "./core/part-argv.js";
import { type Output, stdio } from "./output.js";

/**
 * The `wanpilot` command: argv without node and script; resolves to the exit code. A part started
 * by `wanpilot start` (argv exactly as the supervisor writes it) goes straight to its runner, without
 * commander and the command tree (~1 MiB of heap in each of the parts); everything else is parsed
 * by commander.
 */
export async function main(argv: string[], out: Output = stdio): Promise<number> {
  const part = supervisedPart(argv);
  if (part !== undefined) {
    const { runPartCommand } = await import("./services.js");
    return await runPartCommand(out, part.kind, part.options);
  }
  const { runProgram } = await import("./program.js");
  return await runProgram(argv, out);
}
