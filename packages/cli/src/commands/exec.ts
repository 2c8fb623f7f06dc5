import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants as fsConstants, readdirSync, readFileSync, statSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { loadConfig } from "../config.js";
import { dropRules, type ExecRules, execRules, execRuleUids, pickUid } from "../core/exec-rules.js";
import type { Output } from "../output.js";

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const;

/** Every uid some process has now (real, effective, saved, filesystem). */
function uidsInUse(): Set<number> {
  const uids = new Set<number>();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const line = /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "";
      for (const u of line.split(/\s+/)) if (u !== "") uids.add(Number(u));
    } catch {
      // the process ended meanwhile
    }
  }
  return uids;
}

/** `ip -4|-6 [-force] -batch -`; resolves with the stderr of a failure, "" when all went in. */
async function ipBatch(family: "-4" | "-6", lines: string[], force = false): Promise<string> {
  const r = await execa("ip", [family, ...(force ? ["-force"] : []), "-batch", "-"], {
    input: `${lines.join("\n")}\n`,
    reject: false,
    timeout: 5000,
  });
  return r.exitCode === 0 ? "" : String(r.stderr || `ip exited ${r.exitCode}`).trim();
}

async function ruleUids(): Promise<number[]> {
  const lists = await Promise.all(
    ["-4", "-6"].map((f) => execa("ip", [f, "-json", "rule", "show"], { reject: false, timeout: 5000 })),
  );
  return lists.flatMap((r) => (r.exitCode === 0 ? execRuleUids(JSON.parse(r.stdout || "[]")) : []));
}

async function drop(rules: ExecRules): Promise<void> {
  await ipBatch("-4", rules.ipv4, true);
  await ipBatch("-6", rules.ipv6, true);
}

/** Rules of an exec that was killed before it could remove them: their uid has no process any more. */
async function sweep(inUse: ReadonlySet<number>): Promise<number[]> {
  const stale = (await ruleUids()).filter((uid) => !inUse.has(uid));
  for (const uid of stale) await drop(dropRules(uid));
  return stale;
}

/** `wanpilot cleanup`: the rules of execs that were killed and whose commands have ended. */
export const sweepStaleExecRules = (): Promise<number[]> => sweep(uidsInUse());

/** The command's file, looked up in PATH here (as root: the transient uid may not search every PATH directory). */
function resolveCommand(file: string): string | undefined {
  if (file.includes("/")) return file;
  for (const dir of (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    const path = join(dir || ".", file);
    try {
      accessSync(path, fsConstants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Catches the forwarded signals from before the rules are added until the command has exited: a signal
 * that arrives before the command runs must not kill `exec` with its rules still in place.
 */
class SignalRelay {
  #child: ChildProcess | undefined;
  received: NodeJS.Signals | undefined;
  readonly #handlers = FORWARDED.map(
    (sig) =>
      [
        sig,
        () => {
          this.received ??= sig;
          this.#child?.kill(sig);
        },
      ] as const,
  );

  constructor() {
    for (const [sig, h] of this.#handlers) process.on(sig, h);
  }

  attach(child: ChildProcess): void {
    this.#child = child;
    if (this.received !== undefined) child.kill(this.received);
  }

  close(): void {
    for (const [sig, h] of this.#handlers) process.off(sig, h);
  }
}

const signalExit = (sig: NodeJS.Signals): number => 128 + (constants.signals[sig] ?? 0);

/** Runs the command as `uid`, its signals forwarded by `relay`; resolves with its exit code (128 + signal when killed). */
function runAs(uid: number, argv: string[], out: Output, relay: SignalRelay): Promise<number> {
  const [file, ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(file ?? "", args, { uid, gid: uid, stdio: "inherit" });
    relay.attach(child);
    child.once("error", (err: NodeJS.ErrnoException) => {
      out.err(`wanpilot exec: cannot run ${file}: ${err.message}`);
      resolve(err.code === "ENOENT" ? 127 : 126);
    });
    child.once("exit", (code, signal) => resolve(code ?? (signal === null ? 0 : signalExit(signal))));
  });
}

/**
 * `wanpilot exec --link NAME -- CMD…`: CMD's connections leave by that link only (its table, whatever
 * the balance or the link's state), under a transient uid whose rules are removed when CMD exits.
 */
export async function runExec(
  out: Output,
  argv: string[],
  opts: { config?: string; link: string },
): Promise<number> {
  if (argv.length === 0) {
    out.err("usage: wanpilot exec --link NAME -- COMMAND [ARG…]");
    return 2;
  }
  if (process.getuid?.() !== 0) {
    out.err("wanpilot exec needs root: it adds policy rules for the command's user id");
    return 1;
  }
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const link = loaded.config.links.find((l) => l.name === opts.link);
  if (link === undefined) {
    out.err(`no link "${opts.link}" (links: ${loaded.config.links.map((l) => l.name).join(", ")})`);
    return 2;
  }
  const file = resolveCommand(argv[0] ?? "");
  if (file === undefined) {
    out.err(`wanpilot exec: ${argv[0]}: command not found`);
    return 127;
  }
  const relay = new SignalRelay();
  try {
    const inUse = uidsInUse();
    await sweep(inUse);
    const uid = pickUid(process.pid, new Set([...inUse, ...(await ruleUids())]));
    const rules = execRules(uid, link.table);
    const v4 = await ipBatch("-4", rules.ipv4);
    // Without IPv6 in the kernel there is nothing to refuse.
    const v6 = v4 === "" ? await ipBatch("-6", rules.ipv6) : "";
    const failed = v4 || (/not supported/i.test(v6) ? "" : v6);
    if (failed !== "") {
      await drop(dropRules(uid));
      out.err(`wanpilot exec: cannot add the policy rules: ${failed}`);
      return 1;
    }
    try {
      if (relay.received !== undefined) return signalExit(relay.received);
      return await runAs(uid, [file, ...argv.slice(1)], out, relay);
    } finally {
      await drop(dropRules(uid));
    }
  } finally {
    relay.close();
  }
}
