import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { errorMessage } from "@wanpilot/common";
import { cleanup } from "@wanpilot/router";
import { createLogger } from "@wanpilot/runtime";
import { loadConfig } from "../config.js";
import { applySteps } from "../install/apply.js";
import {
  BIN_LINK,
  CONFIG_FILE,
  installPlan,
  type Lockfile,
  PROGRAM_DIR,
  programFiles,
  UNIT_DIR,
  uninstallPlan,
} from "../install/plan.js";
import type { Output } from "../output.js";

/** The checkout or unpacked tarball this command runs from (packages/cli/dist/commands → its root). */
export const SOURCE_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

export function readUnits(source: string): Record<string, string> {
  const dir = join(source, "deploy/systemd");
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

export function listProgramFiles(source: string): string[] {
  const lock = JSON.parse(readFileSync(join(source, "package-lock.json"), "utf8")) as Lockfile;
  return programFiles(lock, (p) => existsSync(join(source, p)));
}

function checkRoot(out: Output, root: string | undefined): string | undefined {
  const r = root ?? "/";
  if (!isAbsolute(r)) {
    out.err(`--root: "${r}" is not an absolute path`);
    return undefined;
  }
  return resolve(r);
}

/** `wanpilot install`: the program, /usr/bin/wanpilot, the user and group, the units, a config skeleton. */
export async function runInstall(out: Output, opts: { root?: string }): Promise<number> {
  const root = checkRoot(out, opts.root);
  if (root === undefined) return 2;
  const source = SOURCE_ROOT;
  const nodePath = realpathSync(process.execPath);
  if (realpathSync(source) === join(root, PROGRAM_DIR)) {
    out.err(
      `wanpilot is already installed in ${PROGRAM_DIR}: run install from a checkout or an unpacked tarball`,
    );
    return 1;
  }
  if (root === "/" && /^\/(root|home|run\/user)\//.test(nodePath)) {
    out.err(
      `node is ${nodePath}: the units hide /root and /home (ProtectHome); install Node system-wide ` +
        "(NodeSource's nodejs package puts it at /usr/bin/node) and run install with that node",
    );
    return 1;
  }
  const steps = installPlan({
    root,
    source,
    files: listProgramFiles(source),
    units: readUnits(source),
    nodePath,
    configSkeleton: readFileSync(join(source, "examples/two-links.yaml"), "utf8"),
  });
  try {
    await applySteps(steps, root, { cleanup: async () => undefined, say: (l) => out.out(l) });
  } catch (err: unknown) {
    out.err(`install failed: ${errorMessage(err)}`);
    return 1;
  }
  out.out(`installed wanpilot in ${join(root, PROGRAM_DIR)} (${BIN_LINK}, units in ${UNIT_DIR})`);
  out.out(
    `next: edit ${CONFIG_FILE}, run \`wanpilot check-config\` and \`wanpilot doctor\`, then ` +
      "`systemctl enable --now wanpilot` (or wanpilot-parts.target and one wanpilot-prober@<link> per link)",
  );
  return 0;
}

/** `wanpilot uninstall`: stops and removes what install put there and wanpilot's routing. */
export async function runUninstall(
  out: Output,
  opts: { root?: string; purge?: boolean; config?: string },
): Promise<number> {
  const root = checkRoot(out, opts.root);
  if (root === undefined) return 2;
  const unitDir = join(root, UNIT_DIR);
  const unitNames = existsSync(unitDir) ? readdirSync(unitDir).filter((f) => f.startsWith("wanpilot")) : [];
  const steps = uninstallPlan({ root, unitNames, purge: opts.purge === true });
  const removeRouting = async () => {
    const loaded = loadConfig(out, opts.config);
    if (!loaded.ok) {
      out.err("no readable config: wanpilot's routing (if any) stays; run `wanpilot cleanup -c <config>`");
      return;
    }
    const log = createLogger({ name: "wanpilot", level: loaded.config.log_level }).child({
      component: "cleanup",
    });
    const r = await cleanup({ config: loaded.config, log });
    out.out(`removed wanpilot's routing (${r.commands} changes, ${r.errors.length} failed)`);
  };
  try {
    await applySteps(steps, root, { cleanup: removeRouting, say: (l) => out.out(l) });
  } catch (err: unknown) {
    out.err(`uninstall failed: ${errorMessage(err)}`);
    return 1;
  }
  out.out(
    opts.purge === true
      ? "uninstalled wanpilot, its config and its history; the system user wanpilot stays (userdel wanpilot)"
      : "uninstalled wanpilot; /etc/wanpilot and /var/lib/wanpilot stay (--purge removes them)",
  );
  return 0;
}
