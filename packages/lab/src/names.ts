import { randomBytes } from "node:crypto";
import { LabError } from "./errors.js";

/**
 * Namespace names: `wpl<pid>x<token>[-<label>]-<role>`, e.g. `wpl4711x3k9q-gw`.
 * The creator's pid is embedded so a sweep can tell a dead process's labs from live ones;
 * the token (counter + random) keeps labs of one process, and of worker threads sharing a pid, apart.
 */
export const LAB_NAME_PREFIX = "wpl";

export type LabRole = "gw" | "lan" | "inet" | `isp${number}`;

export interface ParsedLabNamespace {
  /** Everything before the role: identifies one lab. */
  readonly labId: string;
  readonly pid: number;
  readonly role: LabRole;
}

const LABEL_PATTERN = /^[a-z0-9]{1,12}$/;
const NAMESPACE_PATTERN = /^(wpl(\d{1,10})x[a-z0-9]{1,16}(?:-[a-z0-9]{1,12})?)-(gw|lan|inet|isp\d{1,2})$/;

let counter = 0;

export function newLabId(pid: number, label?: string): string {
  if (label !== undefined && !LABEL_PATTERN.test(label)) {
    throw new LabError("LAB_INVALID_OPTIONS", `name: "${label}" must be 1-12 characters of [a-z0-9]`);
  }
  counter += 1;
  const token = `${counter.toString(36)}${randomBytes(3).readUIntBE(0, 3).toString(36).padStart(5, "0")}`;
  return `${LAB_NAME_PREFIX}${pid}x${token}${label === undefined ? "" : `-${label}`}`;
}

export function namespaceName(labId: string, role: LabRole): string {
  return `${labId}-${role}`;
}

export function parseLabNamespace(name: string): ParsedLabNamespace | undefined {
  const match = NAMESPACE_PATTERN.exec(name);
  if (match === null) return undefined;
  const [, labId, pid, role] = match;
  if (labId === undefined || pid === undefined || role === undefined) return undefined;
  return { labId, pid: Number(pid), role: role as LabRole };
}
