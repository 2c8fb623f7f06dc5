import { fileURLToPath } from "node:url";
import { execa } from "execa";

/** The `wanpilot` launcher of this checkout (compiled CLI). */
export const WANPILOT_BIN = fileURLToPath(new URL("../../../packages/cli/bin/wanpilot.js", import.meta.url));

export interface CliResult {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `wanpilot <args>` (optionally under a prefix such as `ip netns exec <ns>`), never throwing. */
export async function runCli(args: string[], opts: { prefix?: string[]; timeoutMs?: number } = {}) {
  const argv = [...(opts.prefix ?? []), process.execPath, WANPILOT_BIN, ...args];
  const r = await execa(argv[0] as string, argv.slice(1), {
    reject: false,
    timeout: opts.timeoutMs ?? 20_000,
    stdin: "ignore",
  });
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: String(r.stdout),
    stderr: String(r.stderr),
    timedOut: r.timedOut,
  } satisfies CliResult;
}

/** A JS stack trace or an uncaught-error banner in some output. */
export function looksLikeCrash(text: string): boolean {
  return (
    /^\s+at .+(\(.*:\d+:\d+\)|:\d+:\d+)$/m.test(text) ||
    /Uncaught|UnhandledPromiseRejection|node:internal/.test(text)
  );
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
