import { inIpv4Prefix, inIpv6Prefix, isIpv6, KERNEL_TABLE } from "@wanpilot/common";

/** One route as `ip -j route get` or `ip -j route show` prints it. */
export interface KernelRoute {
  dst: string;
  type?: string;
  gateway?: string;
  dev?: string;
  table?: string | number;
  prefsrc?: string;
}

/** "via 198.18.1.1 dev wan1 table 101", the way ip writes it. */
export function describeRoute(r: KernelRoute): string {
  return [
    r.type !== undefined && r.type !== "unicast" ? r.type : "",
    r.gateway !== undefined ? `via ${r.gateway}` : "",
    r.dev !== undefined ? `dev ${r.dev}` : "",
    r.table !== undefined && r.table !== "main" && r.table !== KERNEL_TABLE.main ? `table ${r.table}` : "",
  ]
    .filter((s) => s !== "")
    .join(" ");
}

const prefixLength = (dst: string) =>
  dst.includes("/") ? Number(dst.split("/")[1]) : dst.includes(":") ? 128 : 32;

/**
 * The main-table route that wins over wanpilot's default route for `destination`, if any: wanpilot's rules
 * look up main first with `suppress_prefixlength 0`, so every main route more specific than a default one
 * (a VPN's, a static route, a connected network) is taken instead of wanpilot's links.
 */
export function mainOverride(destination: string, mainRoutes: KernelRoute[]): KernelRoute | null {
  // Of the destination's family: `ip -6 route show` for an IPv6 one.
  const inside = (dst: string) =>
    isIpv6(destination)
      ? dst.includes(":") && inIpv6Prefix(destination, dst)
      : !dst.includes(":") && inIpv4Prefix(destination, dst);
  const matching = mainRoutes.filter(
    (r) =>
      r.dst !== "default" &&
      (r.type === undefined || r.type === "unicast") &&
      prefixLength(r.dst) > 0 &&
      inside(r.dst),
  );
  return matching.sort((a, b) => prefixLength(b.dst) - prefixLength(a.dst))[0] ?? null;
}
