import { runPart } from "../commands/part.js";
import { commandArgv, type PartKind, supervisedPart } from "../core/part-argv.js";
import { type Output, stdio } from "../output.js";
import type { PartComponent, StartPart } from "../services.js";

/** The `main` of one part's bundle: that part's argv (part-argv.ts) and its service built in. */
export function partMain(
  kind: PartKind,
  service: (component: PartComponent) => StartPart,
): (argv: string[], out?: Output) => Promise<number> {
  return async (argv, out = stdio) => {
    const part = supervisedPart(argv);
    if (part?.kind !== kind) {
      out.err(`wanpilot: not a ${kind} command line: ${argv.join(" ")}`);
      return 2;
    }
    return await runPart(out, kind, part.options, async (component) => service(component));
  };
}

/** The `main` of `start`'s or `broker`'s bundle: `<name> [--config FILE]`, then that command. */
export function commandMain(
  name: "start" | "broker",
  command: (out: Output, opts: { config?: string }) => Promise<number>,
): (argv: string[], out?: Output) => Promise<number> {
  return async (argv, out = stdio) => {
    const opts = commandArgv(name, argv);
    if (opts === undefined) {
      out.err(`wanpilot: not a ${name} command line: ${argv.join(" ")}`);
      return 2;
    }
    return await command(out, opts);
  };
}
