import { isIpv6, type WanpilotConfig } from "@wanpilot/common";
import { computeDesired, hex } from "@wanpilot/router";
import { execa } from "execa";
import { describeRoute, type KernelRoute, mainOverride } from "../core/explain-kernel.js";

/** What the kernel itself answers for a destination (read only: `ip route get`, `ip route show`). */
export interface KernelAnswer {
  /** `ip route get <destination>`: an unmarked packet, as a new connection's first one. */
  route: string | null;
  /** `ip route get <destination> mark <link's mark>`: once the connection carries the link's mark. */
  marked: { link: string; mark: string; route: string | null } | null;
  /** A main-table route more specific than the default, which wins over wanpilot's links. */
  override: string | null;
}

async function ipJson(family: "-4" | "-6", args: string[]): Promise<KernelRoute[] | null> {
  const r = await execa("ip", [family, "-j", ...args], { reject: false, timeout: 5000 });
  if (r.exitCode !== 0) return null;
  try {
    return JSON.parse(String(r.stdout)) as KernelRoute[];
  } catch {
    return null;
  }
}

const first = (routes: KernelRoute[] | null) => (routes?.[0] === undefined ? null : describeRoute(routes[0]));

export async function askKernel(
  config: WanpilotConfig,
  destination: string,
  link: string | null,
): Promise<KernelAnswer> {
  const view =
    link === null ? undefined : computeDesired(config, [], null).links.find((l) => l.name === link);
  // A link's mark is the same in both families; the family is the destination's.
  const family = isIpv6(destination) ? "-6" : "-4";
  const [plain, marked, main] = await Promise.all([
    ipJson(family, ["route", "get", destination]),
    view === undefined
      ? Promise.resolve(null)
      : ipJson(family, ["route", "get", destination, "mark", hex(view.mark)]),
    ipJson(family, ["route", "show", "table", "main"]),
  ]);
  const over = mainOverride(destination, main ?? []);
  return {
    route: first(plain),
    marked: view === undefined ? null : { link: view.name, mark: hex(view.mark), route: first(marked) },
    override:
      over === null
        ? null
        : `main-table route ${over.dst} ${describeRoute(over)} is more specific than the default route, so flows to ${destination} take it, not wanpilot's links`,
  };
}
