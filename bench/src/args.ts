export interface Args {
  quick: boolean;
  only: string[] | undefined;
  out: string;
  list: boolean;
  /** Print the report of an earlier run's results file instead of running. */
  table: string | undefined;
}

/** `--quick`, `--only a,b`, `--out <file>`, `--table <file>`, `--list` → Args, or the message for a mistake. */
export function parseArgs(
  argv: readonly string[],
  known: readonly string[],
  defaultOut: string,
): Args | string {
  const args: Args = { quick: false, only: undefined, out: defaultOut, list: false, table: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") args.quick = true;
    else if (a === "--list") args.list = true;
    else if (a === "--only" || a === "--out" || a === "--table") {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) return `${a} needs a value`;
      if (a === "--only") args.only = v.split(",").filter((n) => n !== "");
      else if (a === "--table") args.table = v;
      else args.out = v;
    } else
      return `unknown argument ${a} (try --quick, --only <scenario>[,<scenario>], --out <file>, --table <results.json>, --list)`;
  }
  const unknown = (args.only ?? []).filter((n) => !known.includes(n));
  if (unknown.length > 0) return `unknown scenario ${unknown.join(", ")} (known: ${known.join(", ")})`;
  return args;
}
