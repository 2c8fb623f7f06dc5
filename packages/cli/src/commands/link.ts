import { randomUUID } from "node:crypto";
import { isWanpilotError, LinkAction, type WanpilotConfig } from "@wanpilot/common";
import { busUrl, connectOperator } from "@wanpilot/runtime";
import { loadConfig } from "../config.js";
import type { Output } from "../output.js";
import { collectRetained } from "../status/collect.js";
import { describeOverride } from "../status/view.js";

const USAGE = "usage: wanpilot link [NAME drain|disable|enable|weight N|tier N|reset]";

/** `wanpilot link`: every link with the operator's overrides, from the router's retained state. */
async function listLinks(out: Output, config: WanpilotConfig): Promise<number> {
  const snap = await collectRetained(busUrl(config), config.gateway);
  const rows = config.links.map((l) => {
    const o = snap.router?.links.find((r) => r.link === l.name)?.override ?? null;
    return [l.name, String(l.weight), String(l.tier), describeOverride(o), o?.since ?? ""];
  });
  const table = [["LINK", "WEIGHT", "TIER", "OVERRIDE", "SINCE"], ...rows];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? "").length))) ?? [];
  for (const r of table)
    out.out(
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    );
  if (snap.router === undefined) out.err("(the router's state is not on the bus: overrides unknown)");
  return 0;
}

/** `wanpilot link NAME ACTION [N]`: sends the command as the operator and prints the router's answer. */
async function command(out: Output, config: WanpilotConfig, name: string, args: string[]): Promise<number> {
  const [action, value, ...extra] = args;
  const parsed = LinkAction.safeParse(action);
  if (!parsed.success || extra.length > 0) {
    out.err(USAGE);
    return 2;
  }
  const needsValue = parsed.data === "weight" || parsed.data === "tier";
  if (needsValue !== (value !== undefined) || (value !== undefined && !/^\d+$/.test(value))) {
    out.err(
      needsValue ? `${parsed.data} needs a whole number: wanpilot link ${name} ${parsed.data} N` : USAGE,
    );
    return 2;
  }
  const id = `cli-${randomUUID()}`;
  const client = await connectOperator(config);
  try {
    const answer = client.waitFor((op) => op.command === id, 10_000);
    await client.sendLinkCommand(name, {
      id,
      action: parsed.data,
      ...(value === undefined ? {} : { value: Number(value) }),
    });
    const op = await answer;
    if (op === undefined) {
      out.err("no answer from the router within 10 s (is it running?)");
      return 1;
    }
    if (op.result === "refused") {
      out.err(`refused: ${op.reason}`);
      return 1;
    }
    out.out(op.reason);
    return 0;
  } finally {
    await client.close();
  }
}

export async function runLink(
  out: Output,
  name: string | undefined,
  args: string[],
  opts: { config?: string },
) {
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  try {
    return name === undefined
      ? await listLinks(out, loaded.config)
      : await command(out, loaded.config, name, args);
  } catch (err: unknown) {
    if (isWanpilotError(err, "NOT_RUNNING") || isWanpilotError(err, "BUS_UNAVAILABLE")) {
      out.err(err.message);
      return 3;
    }
    throw err;
  }
}
