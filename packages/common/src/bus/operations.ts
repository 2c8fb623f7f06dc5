import * as z from "zod";
import { MAX_LINK_TIER, MAX_LINK_WEIGHT } from "../config/link.js";

/** ISO-8601 timestamp, always UTC. */
const Iso = z.iso.datetime({ offset: true });

/** The MQTT username of the operator credential (password file generated in runtime_dir). */
export const OPERATOR_USERNAME = "operator";

export const LinkAction = z.enum(["drain", "disable", "enable", "weight", "tier", "reset"]);
export type LinkAction = z.infer<typeof LinkAction>;

/** A client's own id for a command, echoed in its result. */
export const CommandId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, {
  error: "1 to 64 of A-Z a-z 0-9 _ . : -",
});

const RANGE: Partial<Record<LinkAction, { min: number; max: number }>> = {
  weight: { min: 1, max: MAX_LINK_WEIGHT },
  tier: { min: 1, max: MAX_LINK_TIER },
};

/** The JSON document on `link/<name>/set`; `by` is the credential, stamped by the embedded broker. */
export const LinkCommand = z
  .strictObject({
    id: CommandId.optional(),
    action: LinkAction,
    value: z.number().optional(),
    by: z.string().max(128).optional(),
  })
  .superRefine((c, ctx) => {
    const range = RANGE[c.action];
    if (range === undefined) {
      if (c.value !== undefined)
        ctx.addIssue({ code: "custom", path: ["value"], message: `${c.action} takes no value` });
      return;
    }
    const v = c.value;
    if (v === undefined || !Number.isInteger(v) || v < range.min || v > range.max)
      ctx.addIssue({
        code: "custom",
        path: ["value"],
        message: `${c.action} needs an integer value from ${range.min} to ${range.max}`,
      });
  });
export type LinkCommand = z.infer<typeof LinkCommand>;

/** Commands travel as text so a malformed one still gets a refusal with its reason. */
export const CommandText = z.string();

export type ParsedCommand =
  | { ok: true; command: LinkCommand }
  | { ok: false; id: string | null; by: string | null; reason: string };

/** Parses a command's text: the command, or why it is refused (with its id and sender when readable). */
export function parseLinkCommand(text: string): ParsedCommand {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, id: null, by: null, reason: "payload is not JSON" };
  }
  const parsed = LinkCommand.safeParse(data);
  if (parsed.success) return { ok: true, command: parsed.data };
  const obj = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
  const id = CommandId.safeParse(obj.id);
  const by = typeof obj.by === "string" ? obj.by.slice(0, 128) : null;
  const first = parsed.error.issues[0];
  const where = first?.path.join(".") || "payload";
  return {
    ok: false,
    id: id.success ? id.data : null,
    by,
    reason: `${where}: ${first?.message ?? "invalid"}`.slice(0, 500),
  };
}

/** An operator's change to a link, in force until reset; shown everywhere the link is. */
export const LinkOverride = z.object({
  /** drain: no new connections; disable: out of rotation, its connections flushed. */
  admin: z.enum(["drain", "disable"]).nullable(),
  weight: z.number().int().min(1).max(MAX_LINK_WEIGHT).nullable(),
  tier: z.number().int().min(1).max(MAX_LINK_TIER).nullable(),
  since: Iso,
});
export type LinkOverride = z.infer<typeof LinkOverride>;

/**
 * QoS 1 on `operations`: one command or reload, accepted or refused and why. The reply to a command
 * (its `command` id echoed) and the audit trail the logger stores.
 */
export const Operation = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{8,128}$/),
  at: Iso,
  /** The credential: "operator", a reader's name, "anonymous"; "signal" for a SIGHUP reload. */
  by: z.string().max(128),
  action: z.union([LinkAction, z.enum(["reload", "invalid"])]),
  link: z.string().max(128).nullable(),
  value: z.number().nullable(),
  /** The client's id of the command, when it gave a readable one. */
  command: z.string().max(64).nullable(),
  result: z.enum(["accepted", "refused"]),
  reason: z.string().max(500),
});
export type Operation = z.infer<typeof Operation>;
