import {
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";
import type { InstallStep } from "./plan.js";

export interface ApplyHooks {
  /** Removes wanpilot's routing from the kernel (the router's cleanup); only planned for the real root. */
  cleanup(): Promise<void>;
  /** One line per step that did something. */
  say(line: string): void;
}

/** uid and gid of `name` from <root>/etc/passwd (what systemd-sysusers wrote), if it is there. */
export function lookupUser(root: string, name: string): { uid: number; gid: number } | undefined {
  const passwd = join(root, "etc/passwd");
  if (!existsSync(passwd)) return undefined;
  const line = readFileSync(passwd, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(":") ?? [];
  return uid === undefined || gid === undefined ? undefined : { uid: Number(uid), gid: Number(gid) };
}

function unlinkWants(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const sub of readdirSync(dir).filter((d) => d.endsWith(".wants")))
    for (const f of readdirSync(join(dir, sub)).filter((n) => n.startsWith("wanpilot"))) {
      rmSync(join(dir, sub, f), { force: true });
      removed.push(join(sub, f));
    }
  return removed;
}

/** Carries out the steps in order; the first failure stops it (the error says which step). */
export async function applySteps(steps: InstallStep[], root: string, hooks: ApplyHooks): Promise<void> {
  for (const step of steps) {
    switch (step.kind) {
      case "copy":
        mkdirSync(dirname(step.to), { recursive: true });
        // verbatimSymlinks: workspace links in node_modules stay relative, pointing into the copy.
        cpSync(step.from, step.to, { recursive: true, verbatimSymlinks: true });
        break;
      case "write": {
        if (step.keepExisting && existsSync(step.path)) {
          hooks.say(`kept ${step.path}`);
          break;
        }
        mkdirSync(dirname(step.path), { recursive: true });
        writeFileSync(step.path, step.text, { mode: step.mode });
        const user = step.owner === undefined ? undefined : lookupUser(root, step.owner);
        if (user !== undefined) chownSync(step.path, 0, user.gid);
        hooks.say(`wrote ${step.path}`);
        break;
      }
      case "symlink":
        mkdirSync(dirname(step.path), { recursive: true });
        symlinkSync(step.target, step.path);
        hooks.say(`linked ${step.path} → ${step.target}`);
        break;
      case "sysusers": {
        const args = root === "/" ? [step.file] : [`--root=${root}`, step.file];
        // It edits <root>/etc/passwd and group, creating them in an empty scratch root.
        mkdirSync(join(root, "etc"), { recursive: true });
        await execa("systemd-sysusers", args, { timeout: 30_000 });
        hooks.say("system user and group wanpilot present");
        break;
      }
      case "remove":
        if (existsSync(step.path) || isDanglingLink(step.path)) {
          rmSync(step.path, { recursive: true, force: true });
          hooks.say(`removed ${step.path}`);
        }
        break;
      case "unlink-wants":
        for (const f of unlinkWants(step.dir)) hooks.say(`disabled ${f}`);
        break;
      case "systemctl":
        // Without systemd running (a container, a chroot) there is nothing to tell.
        if (existsSync("/run/systemd/system"))
          await execa("systemctl", step.args, { timeout: 60_000, reject: false });
        break;
      case "cleanup":
        await hooks.cleanup();
        break;
    }
  }
}

function isDanglingLink(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
