export type PartKind = "prober" | "router" | "logger" | "observer" | "web";

export interface SupervisedPart {
  kind: PartKind;
  options: { config?: string; link?: string };
}

const KINDS: readonly string[] = ["prober", "router", "logger", "observer", "web"];

/**
 * A part's argv as `wanpilot start` writes it (`prober --link NAME --config PATH`, `router --config PATH`…)
 * or a unit does (the same without `--config`: WANPILOT_CONFIG names the file), recognised only in exactly
 * that shape; anything else (help, other flags, another order) is undefined and left to the full command
 * line parser.
 */
export function supervisedPart(argv: readonly string[]): SupervisedPart | undefined {
  const [kind, ...rest] = argv;
  if (kind === undefined || !KINDS.includes(kind)) return undefined;
  const value = (flag: string, at: number) =>
    rest[at] === flag && rest[at + 1] !== undefined && !rest[at + 1]?.startsWith("-")
      ? rest[at + 1]
      : undefined;
  const first = kind === "prober" ? 2 : 0;
  const link = kind === "prober" ? value("--link", 0) : undefined;
  if (kind === "prober" && link === undefined) return undefined;
  if (rest.length === first) return { kind: kind as PartKind, options: link === undefined ? {} : { link } };
  const config = value("--config", first);
  if (config === undefined || rest.length !== first + 2) return undefined;
  return { kind: kind as PartKind, options: link === undefined ? { config } : { config, link } };
}

/**
 * `start` or `broker`, alone or with `--config PATH` (as the units and compose write them); anything else
 * (another command, help, other flags) is undefined.
 */
export function commandArgv(
  name: "start" | "broker",
  argv: readonly string[],
): { config?: string } | undefined {
  if (argv[0] !== name) return undefined;
  if (argv.length === 1) return {};
  const config = argv[2];
  if (argv.length !== 3 || argv[1] !== "--config" || config === undefined || config.startsWith("-"))
    return undefined;
  return { config };
}
