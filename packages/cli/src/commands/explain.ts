import { isIpv4, isIpv6, isWanpilotError } from "@wanpilot/common";
import { type ExplainQuery, explainFromStates } from "@wanpilot/router";
import { busUrl } from "@wanpilot/runtime";
import { loadConfig } from "../config.js";
import { askKernel } from "../explain/kernel.js";
import type { Output } from "../output.js";
import { collectRetained } from "../status/collect.js";
import type { RetainedSnapshot } from "../status/view.js";

export interface ExplainOptions {
  config?: string;
  from?: string;
  proto?: string;
  dport?: string;
  json?: boolean;
}

/** `wanpilot explain <destination>`: which link a new flow would take now, and why. */
export async function runExplain(out: Output, destination: string, opts: ExplainOptions): Promise<number> {
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const { config } = loaded;
  const ip = (a: string) => isIpv4(a) || isIpv6(a);
  const v6 = isIpv6(destination);
  const problems = [
    ...(ip(destination) ? [] : [`destination: "${destination}" is not an IPv4 or IPv6 address`]),
    ...(opts.from === undefined || (ip(opts.from) && isIpv6(opts.from) === v6)
      ? []
      : [`--from: "${opts.from}" is not an ${v6 ? "IPv6" : "IPv4"} address like the destination`]),
    ...(opts.proto === undefined || opts.proto === "tcp" || opts.proto === "udp"
      ? []
      : [`--proto: "${opts.proto}" is not tcp or udp`]),
    ...(opts.dport === undefined || /^\d{1,5}$/.test(opts.dport)
      ? []
      : [`--dport: "${opts.dport}" is not a port`]),
  ];
  if (problems.length > 0) {
    for (const p of problems) out.err(p);
    return 2;
  }
  let snap: Pick<RetainedSnapshot, "links" | "links6">;
  try {
    // An IPv6 destination needs the IPv6 states of the links with ipv6 on too.
    const complete = (s: RetainedSnapshot) =>
      config.links.every(
        (l) => s.links.has(l.name) && (!v6 || l.ipv6 === undefined || s.links6?.has(l.name) === true),
      );
    snap = await collectRetained(busUrl(config), config.gateway, { complete });
  } catch (err: unknown) {
    if (!isWanpilotError(err, "NOT_RUNNING")) throw err;
    out.err(`${err.message}; explaining with every link's state unknown`);
    snap = { links: new Map() };
  }
  const query: ExplainQuery = {
    destination,
    ...(opts.from === undefined ? {} : { from: opts.from }),
    ...(opts.proto === "tcp" || opts.proto === "udp" ? { proto: opts.proto } : {}),
    ...(opts.dport === undefined ? {} : { dport: Number(opts.dport) }),
  };
  const answer = explainFromStates(config, [...snap.links.values()], query, [
    ...(snap.links6 ?? new Map()).values(),
  ]);
  const kernel = await askKernel(config, destination, answer.link);
  if (opts.json) {
    out.out(JSON.stringify({ ...answer, kernel }, null, 2));
    return 0;
  }
  const flow = `${destination}${opts.proto ? ` ${opts.proto}` : ""}${opts.dport ? `/${opts.dport}` : ""}${opts.from ? ` from ${opts.from}` : ""}`;
  const target = answer.refused
    ? "refused"
    : (answer.link ?? answer.candidates.map((c) => `${c.link} ${Math.round(c.share * 100)}%`).join(" / "));
  out.out(`${flow} → ${target || "no live link"}`);
  out.out(`  ${answer.reason}`);
  out.out(`  kernel: ip route get ${destination} → ${kernel.route ?? "no answer"}`);
  if (kernel.marked !== null)
    out.out(
      `  kernel, with ${kernel.marked.link}'s mark ${kernel.marked.mark} → ${kernel.marked.route ?? "no answer"}`,
    );
  if (kernel.override !== null) out.out(`  ${kernel.override}`);
  return 0;
}
