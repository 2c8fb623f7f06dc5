import { createRequire } from "node:module";
import { isDeepStrictEqual } from "node:util";
import type * as z from "zod";
import { type WanpilotConfig, WanpilotConfigInput } from "./schema.js";

export type ConfigResult = { ok: true; config: WanpilotConfig } | { ok: false; problems: string[] };

/** `links[1].probe.interval` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the text ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

const EXPECTED: Record<string, string> = {
  number: "a number",
  string: "text",
  boolean: "true or false",
  array: "a list",
  object: "a mapping of keys",
};

function message(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return `is required (${EXPECTED[issue.expected] ?? issue.expected})`;
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describe(issue.input)}`;
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    case "invalid_value":
      return `${describe(issue.input)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return issue.origin === "array"
        ? `needs at least ${String(issue.minimum)} item(s)`
        : `${describe(issue.input)} is below the minimum ${String(issue.minimum)}`;
    case "too_big":
      return issue.origin === "array"
        ? `allows at most ${String(issue.maximum)} item(s)`
        : `${describe(issue.input)} is above the maximum ${String(issue.maximum)}`;
    case "not_multiple_of":
      return issue.divisor === 1 ? `${describe(issue.input)} is not a whole number` : issue.message;
    default:
      return issue.message;
  }
}

/** Picks the union branch that got furthest (fewest issues at the value itself). */
function bestBranch(branches: z.core.$ZodIssue[][]): z.core.$ZodIssue[] {
  const score = (b: z.core.$ZodIssue[]) =>
    b.filter((i) => i.path.length === 0 && i.code === "invalid_type").length * 100 + b.length;
  return [...branches].sort((a, b) => score(a) - score(b))[0] ?? [];
}

function flatten(
  issues: z.core.$ZodIssue[],
  prefix: PropertyKey[] = [],
): Array<{ path: PropertyKey[]; text: string }> {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const best = bestBranch(issue.errors);
      const allTypes = issue.errors.every(
        (b) => b.length === 1 && b[0]?.code === "invalid_type" && b[0].path.length === 0,
      );
      if (allTypes) {
        const expected = issue.errors.map((b) =>
          b[0]?.code === "invalid_type" ? (EXPECTED[b[0].expected] ?? b[0].expected) : "?",
        );
        return [{ path, text: `expected ${expected.join(" or ")}, got ${describe(issue.input)}` }];
      }
      return flatten(best, path);
    }
    return [{ path, text: message(issue) }];
  });
}

export function formatIssues(issues: z.core.$ZodIssue[]): string[] {
  const lines = flatten(issues).map(({ path, text }) =>
    path.length === 0 ? text : `${formatPath(path)}: ${text}`,
  );
  return [...new Set(lines)];
}

/** Validates already-parsed data (from YAML, JSON or code). */
export function validateConfig(data: unknown): ConfigResult {
  const result = WanpilotConfigInput.safeParse(data ?? {}, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, problems: formatIssues(result.error.issues) };
}

/**
 * The YAML parser, loaded on first use: the parts read the JSON snapshot `start` writes (see
 * `jsonSnapshot`) and never need it, which keeps ~2.5 MiB of heap out of each (docs/bench.md, cost).
 */
let yaml: typeof import("yaml") | undefined;
function loadYaml(): typeof import("yaml") {
  yaml ??= createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yaml;
}

type Parsed = { ok: true; data: unknown } | { ok: false; problems: string[] };

/** JSON text (a YAML subset) is read without the YAML parser; anything else goes through it. */
function parseJson(text: string): Parsed | undefined {
  if (!/^\s*\{/.test(text)) return undefined;
  try {
    return { ok: true, data: JSON.parse(text) as unknown };
  } catch {
    return undefined; // not JSON after all: YAML says what is wrong with it
  }
}

function parseYaml(text: string, source: string): Parsed {
  const doc = loadYaml().parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0)
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${source}${pos ? `:${pos.line}:${pos.col}` : ""}: ${e.message.split("\n")[0] ?? "invalid YAML"}`;
      }),
    };
  return { ok: true, data: doc.toJS() as unknown };
}

/** Parses the text of a config file. `source` names it in messages. */
export function parseConfigText(text: string, source = "config"): ConfigResult {
  const parsed = parseJson(text) ?? parseYaml(text, source);
  if (!parsed.ok) return parsed;
  const { data } = parsed;
  if (data !== null && data !== undefined && (typeof data !== "object" || Array.isArray(data)))
    return {
      ok: false,
      problems: [`${source}: the file must be a mapping of keys (gateway, links, …), got ${describe(data)}`],
    };
  return validateConfig(data);
}

/**
 * The valid config `text` as JSON text that validates to the same config, or undefined when JSON
 * cannot carry it (a YAML value without a JSON form): what `start` gives its parts to read.
 */
export function jsonSnapshot(text: string): string | undefined {
  const parsed = parseYaml(text, "config");
  if (!parsed.ok) return undefined;
  const before = validateConfig(parsed.data);
  const json = JSON.stringify(parsed.data ?? {});
  const after = validateConfig(JSON.parse(json) as unknown);
  return before.ok && after.ok && isDeepStrictEqual(before.config, after.config) ? `${json}\n` : undefined;
}
