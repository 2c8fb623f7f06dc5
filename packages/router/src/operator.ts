import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  LinkOverride,
  OPERATOR_USERNAME,
  type Operation,
  parseLinkCommand,
  parseTopic,
  type WanpilotConfig,
} from "@wanpilot/common";
import type { Logger } from "pino";
import * as z from "zod";
import type { Controller, ReconcileResult } from "./controller.js";
import { applyCommand, type Overrides } from "./core/overrides.js";

const OverridesFile = z.record(z.string(), LinkOverride);

/** Where the router keeps the operator's overrides, so they survive its restarts and reloads. */
export function overridesPath(runtimeDir: string): string {
  return join(runtimeDir, "overrides.json");
}

export function loadOverrides(path: string, log: Logger): Overrides {
  try {
    const parsed = OverridesFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
    if (parsed.success) return parsed.data;
    log.warn({ path }, "overrides file invalid, starting without overrides");
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      log.warn({ err, path }, "overrides file unreadable, starting without overrides");
  }
  return {};
}

export function saveOverrides(path: string, overrides: Overrides, log: Logger): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(overrides)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (err: unknown) {
    log.error({ err, path }, "cannot save the overrides (they hold until the router restarts)");
  }
}

const refused = (op: Operation) => ({ op });

/**
 * One operator command (the text on `link/<name>/set`) → the overrides applied and the kernel
 * reconciled, or nothing changed; either way the Operation to publish as its result (and, when the
 * kernel was reconciled, where the time went).
 */
export async function handleCommand(opts: {
  config: WanpilotConfig;
  controller: Controller;
  topic: string;
  text: string;
  now: () => Date;
  save: (o: Overrides) => void;
}): Promise<{ op: Operation; timings?: ReconcileResult["timings"] & { saveMs: number } }> {
  const { controller, config } = opts;
  const link = parseTopic(opts.topic)?.link ?? null;
  const at = opts.now().toISOString();
  const parsed = parseLinkCommand(opts.text);
  const base = { id: `op-${randomUUID()}`, at, link: link?.slice(0, 128) ?? null };
  // The embedded broker stamps `by` on every command; an external broker's ACL decides alone.
  const by = parsed.ok ? (parsed.command.by ?? null) : parsed.by;
  // A payload that is no JSON object carries no stamp: its own problem is the better answer.
  if (config.bus.url === undefined && by !== OPERATOR_USERNAME && (parsed.ok || parsed.by !== null))
    return refused({
      ...base,
      by: by ?? "unknown",
      action: parsed.ok ? parsed.command.action : "invalid",
      value: parsed.ok ? (parsed.command.value ?? null) : null,
      command: parsed.ok ? (parsed.command.id ?? null) : parsed.id,
      result: "refused",
      reason: `only the ${OPERATOR_USERNAME} credential may send commands (sent by ${by ?? "an unknown sender"})`,
    });
  if (!parsed.ok)
    return refused({
      ...base,
      by: parsed.by ?? "unknown",
      action: "invalid",
      value: null,
      command: parsed.id,
      result: "refused",
      reason: parsed.reason,
    });
  const { command } = parsed;
  const result = {
    ...base,
    by: command.by ?? "unknown",
    action: command.action,
    value: command.value ?? null,
    command: command.id ?? null,
  };
  const outcome = applyCommand(controller.currentOverrides, config, link ?? "", command, at);
  if (!outcome.ok) return refused({ ...result, result: "refused", reason: outcome.reason });
  // The kernel first, the file after (before the answer): a write on a busy disk is not on the way.
  const applied = await controller.setOverrides(outcome.overrides, `operator: ${outcome.reason}`);
  const saving = performance.now();
  opts.save(outcome.overrides);
  const saveMs = performance.now() - saving;
  const reason =
    applied.errors.length > 0 ? `${outcome.reason}; the kernel refused part of it` : outcome.reason;
  return { op: { ...result, result: "accepted", reason }, timings: { ...applied.timings, saveMs } };
}
