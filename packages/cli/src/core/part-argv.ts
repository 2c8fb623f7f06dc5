export type PartKind = "prober" | "router" | "logger" | "observer" | "web";

export interface SupervisedPart {
  kind: PartKind;
  options: { config: string; link?: string };
}

const KINDS: readonly string[] = ["prober", "router", "logger", "observer", "web"];

/**
 * The argv `wanpilot start` gives a part (`prober --link NAME --config PATH`, `router --config PATH`…),
 * recognised only in exactly that shape; anything else (help, other flags, another order) is
 * undefined and left to the full command line parser.
 */
export function supervisedPart(argv: readonly string[]): SupervisedPart | undefined {
  const [kind, ...rest] = argv;
  if (kind === undefined || !KINDS.includes(kind)) return undefined;
  const value = (flag: string, at: number) =>
    rest[at] === flag && rest[at + 1] !== undefined && !rest[at + 1]?.startsWith("-")
      ? rest[at + 1]
      : undefined;
  if (kind === "prober") {
    const link = value("--link", 0);
    const config = value("--config", 2);
    if (link === undefined || config === undefined || rest.length !== 4) return undefined;
    return { kind, options: { config, link } };
  }
  const config = value("--config", 0);
  if (config === undefined || rest.length !== 2) return undefined;
  return { kind: kind as PartKind, options: { config } };
}
